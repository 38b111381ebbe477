import CDNNL

/// Inference-time `batchNorm(conv2d(x, weight, bias, config), …, training: false)` (running
/// statistics), then `+ addend` and `activation`, each if given, as one oneDNN convolution:
/// the batch norm is folded into the weight and bias (`w · γ/√(var + ε)`,
/// `(b − mean) · γ/√(var + ε) + β`), computed once and kept until any of those tensors is
/// written, and the sum and the activation run as the convolution's post-ops. Records no
/// gradient: it throws `GraftError.invalidArgument` if gradients are enabled and any input
/// requires one.
public func conv2dBatchNormInference(_ x: Tensor, weight: Tensor, bias: Tensor?, _ config: Conv2dConfig,
                                     bnWeight: Tensor?, bnBias: Tensor?, runningMean: Tensor, runningVar: Tensor,
                                     eps: Float, adding addend: Tensor?, activation: FusedActivation?) throws -> Tensor {
    if (bnWeight == nil) != (bnBias == nil) { GraphRecorder.reject("conv2d_batch_norm with only one of weight and bias") }
    return try GraphRecorder.recording(
        .conv2dBatchNorm(config, hasBias: bias != nil, affine: bnWeight != nil && bnBias != nil, eps: eps, sum: addend != nil,
                         activation: activation),
        [x, weight] + [bias, bnWeight, bnBias].compactMap { $0 } + [runningMean, runningVar] + (addend.map { [$0] } ?? [])) {
        try unrecordedConv2dBatchNormInference(x, weight: weight, bias: bias, config, bnWeight: bnWeight, bnBias: bnBias,
                                               runningMean: runningMean, runningVar: runningVar, eps: eps, adding: addend,
                                               activation: activation)
    }
}

/// `conv2dBatchNormInference` as the op computes it, with no graph recording.
private func unrecordedConv2dBatchNormInference(_ x: Tensor, weight: Tensor, bias: Tensor?, _ config: Conv2dConfig,
                                                bnWeight: Tensor?, bnBias: Tensor?, runningMean: Tensor, runningVar: Tensor,
                                                eps: Float, adding addend: Tensor?, activation: FusedActivation?) throws -> Tensor {
    let op = "conv2d_batch_norm"
    if GradMode.isEnabled, ([x, weight] + [bias, bnWeight, bnBias, addend].compactMap { $0 }).contains(where: { $0.requiresGrad }) {
        throw GraftError.invalidArgument(op: op, detail: "the folded form records no gradient; run it without gradients")
    }
    let o = weight.shape.first ?? 0
    guard weight.shape.count == 4 else {
        throw GraftError.shapeMismatch(op: op, detail: "weight must be [O, C/groups, KH, KW]; input", lhs: x.shape, rhs: weight.shape)
    }
    for (name, t) in [("bias", bias), ("batch norm weight", bnWeight), ("batch norm bias", bnBias),
                      ("running mean", runningMean), ("running variance", runningVar)] {
        if let t, t.shape != [o] || t.dtype != .float32 {
            throw GraftError.shapeMismatch(op: op, detail: "\(name) must have one float per output channel; \(name) vs weight",
                                           lhs: t.shape, rhs: weight.shape)
        }
    }
    guard eps >= 0 else { throw GraftError.invalidArgument(op: op, detail: "eps must be non-negative, not \(eps)") }

    let sources = [weight, bias, bnWeight, bnBias, runningMean, runningVar]
    var stamp = [Int(eps.bitPattern)]
    for t in sources {
        stamp += t.map { [ObjectIdentifier($0).hashValue, $0.storageVersion] } ?? [0, 0]
    }
    let folded = weight.cachedDerived(stamp: stamp) {
        foldedBatchNorm(weight: weight, bias: bias, bnWeight: bnWeight, bnBias: bnBias, runningMean: runningMean,
                        runningVar: runningVar, eps: eps)
    }
    return try conv2d(x, weight: folded[0], bias: folded[1], config, adding: addend, activation: activation)
}

/// The weight and bias of a convolution with the inference batch norm after it folded in:
/// `w · γ/√(var + ε)` and `(b − mean) · γ/√(var + ε) + β`, row-major.
func foldedBatchNorm(weight: Tensor, bias: Tensor?, bnWeight: Tensor?, bnBias: Tensor?, runningMean: Tensor,
                     runningVar: Tensor, eps: Float) -> [Tensor] {
    let o = weight.shape[0]
    let w = weight.toArray(), mean = runningMean.toArray(), variance = runningVar.toArray()
    let gamma = bnWeight?.toArray(), beta = bnBias?.toArray(), b = bias?.toArray()
    let perChannel = w.count / max(o, 1)
    var fw = [Float](repeating: 0, count: w.count), fb = [Float](repeating: 0, count: o)
    for c in 0..<o {
        let s = Double(gamma?[c] ?? 1) / (Double(variance[c]) + Double(eps)).squareRoot()
        for i in c * perChannel..<(c + 1) * perChannel { fw[i] = Float(Double(w[i]) * s) }
        fb[c] = Float((Double(b?[c] ?? 0) - Double(mean[c])) * s + Double(beta?[c] ?? 0))
    }
    return [Tensor(shape: weight.shape, data: fw), Tensor(shape: [o], data: fb)]
}

/// A convolution's weight and bias as inference runs it: `ts` is its weight, its bias when
/// `hasBias`, then with `batchNorm` the batch norm's weight and bias (when affine), running
/// mean and running variance, which `foldedBatchNorm` folds in.
func foldedConvolutionParameters(_ ts: [Tensor], hasBias: Bool, batchNorm: (affine: Bool, eps: Float)?) -> [Tensor] {
    guard let (affine, eps) = batchNorm else { return Array(ts.prefix(hasBias ? 2 : 1)) }
    let bn = ts.dropFirst(hasBias ? 2 : 1)
    let (gamma, beta) = affine ? (bn.first, bn.dropFirst().first) : (nil, nil)
    return foldedBatchNorm(weight: ts[0], bias: hasBias ? ts[1] : nil, bnWeight: gamma, bnBias: beta,
                           runningMean: ts[ts.count - 2], runningVar: ts[ts.count - 1], eps: eps)
}

/// An activation a convolution applies to its own result (a oneDNN eltwise post-op), computed
/// by the same oneDNN algorithm as the op of that name.
public enum FusedActivation: String, Sendable {
    /// max(x, 0)
    case relu
    /// min(max(x, 0), 6)
    case relu6
    /// x · relu6(x + 3) / 6
    case hardswish
    /// x · sigmoid(x)
    case silu
    /// 1 / (1 + e^(−x))
    case sigmoid

    /// The oneDNN algorithm with its alpha and beta.
    var eltwise: (algorithm: dnnl_alg_kind_t, alpha: Float, beta: Float) {
        switch self {
        case .relu: return (dnnl_eltwise_relu, 0, 0)
        case .relu6: return (dnnl_eltwise_clip, 0, 6)
        case .hardswish: return (dnnl_eltwise_hardswish, 0, 0)
        case .silu: return (dnnl_eltwise_swish, 1, 0)
        case .sigmoid: return (dnnl_eltwise_logistic, 0, 0)
        }
    }
}

/// Runs `body` with primitive attributes holding the post-ops: a sum into the output when `sum`,
/// then `activation` if any.
func withPostOps<R>(sum: Bool, _ activation: FusedActivation?, _ op: String, _ body: (OpaquePointer?) throws -> R) throws -> R {
    var attr: OpaquePointer?, postOps: OpaquePointer?
    try DNNL.check(dnnl_primitive_attr_create(&attr), op)
    defer { dnnl_primitive_attr_destroy(attr) }
    try DNNL.check(dnnl_post_ops_create(&postOps), op)
    defer { dnnl_post_ops_destroy(postOps) }
    if sum { try DNNL.check(dnnl_post_ops_append_sum(postOps, 1), op) }
    if let (alg, alpha, beta) = activation?.eltwise {
        try DNNL.check(dnnl_post_ops_append_eltwise(postOps, 1, alg, alpha, beta), op)
    }
    try DNNL.check(dnnl_primitive_attr_set_post_ops(attr, postOps), op)
    return try body(attr)
}
