import CDNNL

/// `exp(x) / Σ exp(x)` along `axis` (negative counts from the end), as `torch.softmax`.
public func softmax(_ x: Tensor, axis: Int = 1) throws -> Tensor {
    try GraphRecorder.recording(.softmax(axis: axis), [x]) { try softmaxV2(x, axis: axis, alg: dnnl_softmax_accurate, name: "softmax") }
}

/// `x − log Σ exp(x)` along `axis`, as `torch.log_softmax`: the numerically stable log of `softmax`.
public func logSoftmax(_ x: Tensor, axis: Int = 1) throws -> Tensor {
    try GraphRecorder.recording(.logSoftmax(axis: axis), [x]) { try softmaxV2(x, axis: axis, alg: dnnl_softmax_log, name: "log_softmax") }
}

private func softmaxV2(_ x: Tensor, axis: Int, alg: dnnl_alg_kind_t, name: String) throws -> Tensor {
    try requireFloat(x, name)
    let ax = try resolvedAxis(axis, of: x.shape, op: name)
    FLOPCounter.add(x.count)
    let training = GradMode.isEnabled && x.requiresGrad
    let (fwd, key) = try softmaxForwardPrimitive(x.desc, shape: x.shape, axis: ax, alg: alg, name: name, training: training)
    let out = Tensor(shape: x.shape, desc: fwd.desc(dnnl_query_dst_md))
    try Engine.shared.execute(fwd, [(DNNL_ARG_SRC, x), (DNNL_ARG_DST, out)])

    let y = out.detached()
    recordGrad(out, op: name, inputs: [x]) { g in
        var k = PrimitiveKey("\(name).backward")
        k.add(key.values)
        let bwd = try Engine.shared.primitive(k) {
            var d = dnnl_softmax_v2_desc_t()
            var (diffSrc, diffDst, dst) = (DNNL.anyDesc(y.shape), DNNL.anyDesc(y.shape), y.desc)
            try DNNL.check(dnnl_softmax_v2_backward_desc_init(&d, alg, &diffSrc, &diffDst, &dst, Int32(ax)), name)
            return try Engine.shared.makeDesc(name, &d, hint: fwd.pd)
        }
        let dx = Tensor(shape: y.shape, desc: bwd.desc(dnnl_query_diff_src_md))
        try Engine.shared.execute(bwd, [(DNNL_ARG_DST, y.converted(to: bwd.desc(dnnl_query_dst_md))),
                                        (DNNL_ARG_DIFF_DST, g.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                        (DNNL_ARG_DIFF_SRC, dx)])
        return [dx]
    }
    return out
}

/// The softmax (or log-softmax, by `alg`) forward primitive along `axis` reading `desc`, cached
/// as `name.forward`; its output layout is oneDNN's choice.
func softmaxForwardPrimitive(_ desc: dnnl_memory_desc_t, shape: [Int], axis: Int, alg: dnnl_alg_kind_t, name: String,
                             training: Bool) throws -> (primitive: Primitive, key: PrimitiveKey) {
    var key = PrimitiveKey("\(name).forward")
    key.add(desc); key.add(axis); key.add(training ? 1 : 0)
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_softmax_v2_desc_t()
        var (src, dst) = (desc, DNNL.anyDesc(shape, desc.data_type))
        try DNNL.check(dnnl_softmax_v2_forward_desc_init(&d, training ? dnnl_forward_training : dnnl_forward_inference,
                                                         alg, &src, &dst, Int32(axis)), name)
        return try Engine.shared.makeDesc(name, &d)
    }
    return (p, key)
}
