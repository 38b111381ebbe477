import CDNNL

/// Local response normalisation across channels of `x` `[N, C, H, W]`, as
/// `torch.nn.LocalResponseNorm`: `b_c = a_c / (k + alpha/size · Σ a_{c'}²)^beta` over the
/// `size` channels centred on `c` (zero outside the tensor). `size` must be odd: for even
/// sizes oneDNN's window is one channel narrower than PyTorch's.
public func localResponseNorm(_ x: Tensor, size: Int, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 1) throws -> Tensor {
    try GraphRecorder.recording(.localResponseNorm(size: size, alpha: alpha, beta: beta, k: k), [x]) {
        try unrecordedLocalResponseNorm(x, size: size, alpha: alpha, beta: beta, k: k)
    }
}

/// `localResponseNorm` as the op computes it, with no graph recording.
private func unrecordedLocalResponseNorm(_ x: Tensor, size: Int, alpha: Float, beta: Float, k: Float) throws -> Tensor {
    let op = "lrn"
    guard x.shape.count == 4 else {
        throw GraftError.invalidArgument(op: op, detail: "input must be [N, C, H, W], not \(shapeString(x.shape))")
    }
    guard size > 0, size % 2 == 1 else {
        throw GraftError.invalidArgument(op: op, detail: "size must be odd and positive, not \(size) (oneDNN's window differs from PyTorch's for even sizes)")
    }
    let dataDesc = x.desc
    FLOPCounter.add(x.count)
    let record = GradMode.isEnabled && x.requiresGrad

    let (fwd, key) = try lrnForwardPrimitive(dataDesc, size: size, alpha: alpha, beta: beta, k: k, training: record)
    let out = Tensor(shape: x.shape, desc: fwd.desc(dnnl_query_dst_md))
    var args: [(Int32, Tensor)] = [(DNNL_ARG_SRC, x), (DNNL_ARG_DST, out)]
    let wsDesc = fwd.desc(dnnl_query_workspace_md)
    let workspace = DNNL.byteSize(wsDesc) > 0 ? Tensor(shape: x.shape, desc: wsDesc) : nil
    if let workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
    try Engine.shared.execute(fwd, args)

    recordGrad(out, op: op, inputs: [x]) { gradOut in
        var kk = PrimitiveKey("lrn.backward")
        kk.add(key.values)
        let bwd = try Engine.shared.primitive(kk) {
            var d = dnnl_lrn_desc_t()
            var (dd, md) = (dataDesc, dataDesc)
            try DNNL.check(dnnl_lrn_backward_desc_init(&d, dnnl_lrn_across_channels, &dd, &md, Int64(size), alpha, beta, k), op)
            return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
        }
        let dx = Tensor(shape: x.shape, desc: bwd.desc(dnnl_query_diff_src_md))
        var bargs: [(Int32, Tensor)] = [(DNNL_ARG_SRC, x), (DNNL_ARG_DIFF_DST, gradOut.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                        (DNNL_ARG_DIFF_SRC, dx)]
        if let workspace { bargs.append((DNNL_ARG_WORKSPACE, workspace)) }
        try Engine.shared.execute(bwd, bargs)
        return [dx]
    }
    return out
}

/// The across-channel LRN forward primitive reading and writing `desc`, cached as `lrn.forward`.
func lrnForwardPrimitive(_ desc: dnnl_memory_desc_t, size: Int, alpha: Float, beta: Float, k: Float,
                         training: Bool) throws -> (primitive: Primitive, key: PrimitiveKey) {
    var key = PrimitiveKey("lrn.forward")
    key.add(desc); key.add(size); key.add(alpha); key.add(beta); key.add(k); key.add(training ? 1 : 0)
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_lrn_desc_t()
        var md = desc
        try DNNL.check(dnnl_lrn_forward_desc_init(&d, training ? dnnl_forward_training : dnnl_forward_inference,
                                                  dnnl_lrn_across_channels, &md, Int64(size), alpha, beta, k), "lrn")
        return try Engine.shared.makeDesc("lrn", &d)
    }
    return (p, key)
}
