import CDNNL
import Foundation

/// `max(x, 0)` element-wise, as `torch.relu` (gradient 0 at 0).
public func relu(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.relu, [x]) { try eltwise(x, "relu", dnnl_eltwise_relu_use_dst_for_bwd, alpha: 0) }
}

/// `min(max(x, 0), 6)` element-wise, as `torch.nn.functional.relu6` (gradient 1 only for 0 < x < 6).
public func relu6(_ x: Tensor) throws -> Tensor {
    // clip_v2's gradient is 1 strictly inside (alpha, beta), like torch's hardtanh; clip and
    // bounded_relu pass the gradient at the upper bound.
    try GraphRecorder.recording(.relu6, [x]) { try eltwise(x, "relu6", dnnl_eltwise_clip_v2_use_dst_for_bwd, alpha: 0, beta: 6) }
}

/// `x` where positive and `negativeSlope · x` elsewhere, as `torch.nn.functional.leaky_relu`.
public func leakyReLU(_ x: Tensor, negativeSlope: Float = 0.01) throws -> Tensor {
    // The output tells the sign of the input only for a non-negative slope.
    try GraphRecorder.recording(.leakyReLU(negativeSlope: negativeSlope), [x]) {
        try eltwise(x, "leaky_relu", negativeSlope >= 0 ? dnnl_eltwise_relu_use_dst_for_bwd : dnnl_eltwise_relu,
                    alpha: negativeSlope)
    }
}

/// The logistic function `1 / (1 + e^(−x))` element-wise.
public func sigmoid(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.sigmoid, [x]) { try eltwise(x, "sigmoid", dnnl_eltwise_logistic_use_dst_for_bwd) }
}

/// The hyperbolic tangent element-wise.
public func tanh(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.tanh, [x]) { try eltwise(x, "tanh", dnnl_eltwise_tanh_use_dst_for_bwd) }
}

/// `x · relu6(x + 3) / 6` element-wise, as `torch.nn.functional.hardswish`.
public func hardswish(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.hardswish, [x]) { try eltwise(x, "hardswish", dnnl_eltwise_hardswish) }
}

/// `x · sigmoid(x)` element-wise, as `torch.nn.functional.silu` (swish with β = 1).
public func silu(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.silu, [x]) { try eltwise(x, "silu", dnnl_eltwise_swish, alpha: 1) }
}

/// `relu6(x + 3) / 6` element-wise, as `torch.nn.functional.hardsigmoid` (gradient 1/6 only for
/// −3 < x < 3): `hardsigmoid(x, alpha: 1/6, beta: 1/2)`.
public func hardsigmoid(_ x: Tensor) throws -> Tensor {
    try hardsigmoid(x, alpha: 1 / 6, beta: 0.5)
}

/// `max(0, min(1, alpha · x + beta))` element-wise, as ONNX's HardSigmoid (gradient `alpha`
/// only where the result is strictly inside (0, 1)). oneDNN 2.6 has no hardsigmoid algorithm:
/// it runs as a linear map clipped to [0, 1], two eltwise primitives, each with its backward.
public func hardsigmoid(_ x: Tensor, alpha: Float, beta: Float) throws -> Tensor {
    try GraphRecorder.recording(.hardsigmoid(alpha: alpha, beta: beta), [x]) {
        let shifted = try eltwise(x, "hardsigmoid.linear", dnnl_eltwise_linear, alpha: alpha, beta: beta)
        return try eltwise(shifted, "hardsigmoid", dnnl_eltwise_clip_v2_use_dst_for_bwd, alpha: 0, beta: 1)
    }
}

/// `min(max(x, low), high)` element-wise, as ONNX's Clip (`high` wins where `low > high`);
/// either bound may be infinite. The gradient is 1 where `low < x ≤ high` (oneDNN's clip).
public func clamp(_ x: Tensor, min low: Float, max high: Float) throws -> Tensor {
    guard !low.isNaN, !high.isNaN else {
        throw GraftError.invalidArgument(op: "clamp", detail: "the bounds \(low) and \(high) must be numbers")
    }
    return try GraphRecorder.recording(.clamp(min: low, max: high), [x]) {
        try eltwise(x, "clamp", dnnl_eltwise_clip, alpha: Swift.min(low, high), beta: high)
    }
}

/// The error function element-wise, as `torch.erf`; the gradient is `2/√π · e^(−x²)`.
public func erf(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.erf, [x]) {
        try requireFloat(x, "erf")
        FLOPCounter.add(x.count)
        let xs = x.toArray()
        let out = Tensor(shape: x.shape, data: xs.map { Float(Foundation.erf(Double($0))) })
        recordGrad(out, op: "erf", inputs: [x]) { g in
            let gs = g.toArray()
            return [Tensor(shape: g.shape, data: zip(xs, gs).map { v, d in Float(2 / Double.pi.squareRoot() * Foundation.exp(-Double(v) * Double(v))) * d })]
        }
        return out
    }
}

/// `x · Φ(x)` with the exact normal CDF `Φ(x) = (1 + erf(x/√2)) / 2`, as torch's default GELU.
public func gelu(_ x: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.gelu, [x]) { try eltwise(x, "gelu", dnnl_eltwise_gelu_erf) }
}

/// `s · x` element-wise (for instance to weight an auxiliary loss).
public func scale(_ x: Tensor, by s: Float) throws -> Tensor {
    try GraphRecorder.recording(.scale(s), [x]) { try unrecordedScale(x, by: s) }
}

/// `scale(_:by:)` as the op computes it, with no graph recording.
func unrecordedScale(_ x: Tensor, by s: Float) throws -> Tensor {
    try requireFloat(x, "scale")
    FLOPCounter.add(x.count)
    let training = GradMode.isEnabled && x.requiresGrad
    let out = try eltwiseForward(x, "scale.forward", dnnl_eltwise_linear, alpha: s, beta: 0, training: training).out
    recordGrad(out, op: "scale", inputs: [x]) { g in
        [try eltwiseForward(g, "scale.backward", dnnl_eltwise_linear, alpha: s, beta: 0, training: false).out]
    }
    return out
}

/// Runs a oneDNN eltwise forward primitive on `x` in its own layout, cached as `op`.
private func eltwiseForward(_ x: Tensor, _ op: String, _ alg: dnnl_alg_kind_t, alpha: Float, beta: Float,
                            training: Bool) throws -> (out: Tensor, primitive: Primitive, key: PrimitiveKey) {
    let (p, key) = try eltwiseForwardPrimitive(x.desc, op, alg, alpha: alpha, beta: beta, training: training)
    let out = Tensor(shape: x.shape, desc: x.desc)
    try Engine.shared.execute(p, [(DNNL_ARG_SRC, x), (DNNL_ARG_DST, out)])
    return (out, p, key)
}

/// An eltwise activation with its oneDNN backward. For the `*_use_dst_for_bwd` algorithms the
/// backward closure keeps a detached view of the output instead of the input.
private func eltwise(_ x: Tensor, _ name: String, _ alg: dnnl_alg_kind_t, alpha: Float = 0, beta: Float = 0) throws -> Tensor {
    FLOPCounter.add(x.count)
    try requireFloat(x, name)
    let training = GradMode.isEnabled && x.requiresGrad
    let (out, fwd, key) = try eltwiseForward(x, "\(name).forward", alg, alpha: alpha, beta: beta, training: training)
    let usesDst = [dnnl_eltwise_relu_use_dst_for_bwd, dnnl_eltwise_clip_v2_use_dst_for_bwd,
                   dnnl_eltwise_logistic_use_dst_for_bwd, dnnl_eltwise_tanh_use_dst_for_bwd].contains(alg)
    let saved = usesDst ? out.detached() : x.detached()
    recordGrad(out, op: name, inputs: [x]) { g in
        var k = PrimitiveKey("\(name).backward")
        k.add(key.values)
        let bwd = try Engine.shared.primitive(k) {
            var d = dnnl_eltwise_desc_t()
            var md = saved.desc
            try DNNL.check(dnnl_eltwise_backward_desc_init(&d, alg, &md, &md, alpha, beta), name)
            return try Engine.shared.makeDesc(name, &d, hint: fwd.pd)
        }
        let dx = Tensor(shape: saved.shape, desc: bwd.desc(dnnl_query_diff_src_md))
        try Engine.shared.execute(bwd, [(usesDst ? DNNL_ARG_DST : DNNL_ARG_SRC, saved),
                                        (DNNL_ARG_DIFF_DST, g.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                        (DNNL_ARG_DIFF_SRC, dx)])
        return [dx]
    }
    return out
}

/// The eltwise forward primitive (cached as `op`) over data described by `desc`, which it
/// reads and writes in that layout and type.
func eltwiseForwardPrimitive(_ desc: dnnl_memory_desc_t, _ op: String, _ alg: dnnl_alg_kind_t, alpha: Float, beta: Float,
                             training: Bool) throws -> (primitive: Primitive, key: PrimitiveKey) {
    var key = PrimitiveKey(op)
    key.add(desc); key.add(Int(alg.rawValue)); key.add(alpha); key.add(beta); key.add(training ? 1 : 0)
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_eltwise_desc_t()
        var md = desc
        try DNNL.check(dnnl_eltwise_forward_desc_init(&d, training ? dnnl_forward_training : dnnl_forward_inference,
                                                      alg, &md, alpha, beta), op)
        return try Engine.shared.makeDesc(op, &d)
    }
    return (p, key)
}
