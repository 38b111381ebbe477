import GraftCore

/// `bn(conv(x))`, then ReLU when `relu` is true: the common conv–BN–ReLU run of ResNets and
/// Inception nets. See `convBatchNorm(_:_:activation:_:)`.
public func convBatchNorm(_ conv: Conv2d, _ bn: BatchNorm2d, relu: Bool, _ x: Tensor) throws -> Tensor {
    try convBatchNorm(conv, bn, activation: relu ? .relu : nil, x)
}

/// `bn(conv(x))`, then `activation` if any. When nothing needs a gradient and `bn` would use
/// its running statistics (eval mode, or frozen), it runs as one folded convolution
/// (`conv2dBatchNormInference`); otherwise the batch norm computes a ReLU too
/// (`BatchNorm2d.forward(_:relu:)`); while a `ModuleTrace` records the modules, it calls the
/// modules one by one.
public func convBatchNorm(_ conv: Conv2d, _ bn: BatchNorm2d, activation: FusedActivation?, _ x: Tensor) throws -> Tensor {
    if ModuleTrace.active == nil && foldsIntoConvolution(conv, bn, x) {
        return try conv2dBatchNormInference(x, weight: conv.weight, bias: conv.bias, conv.config,
                                            bnWeight: bn.weight, bnBias: bn.bias, runningMean: bn.runningMean,
                                            runningVar: bn.runningVar, eps: bn.eps, adding: nil, activation: activation)
    }
    if activation == .relu && ModuleTrace.active == nil { return try bn.forward(conv(x), relu: true) }
    let y = try bn(conv(x))
    switch activation {
    case .relu?: return try relu(y)
    case .relu6?: return try relu6(y)
    case .hardswish?: return try hardswish(y)
    case .silu?: return try silu(y)
    case .sigmoid?: return try sigmoid(y)
    case nil: return y
    }
}

/// Whether `bn(conv(x))` may run folded: nothing records a gradient and `bn` uses its running
/// statistics (eval mode, or frozen).
func foldsIntoConvolution(_ conv: Conv2d, _ bn: BatchNorm2d, _ x: Tensor) -> Bool {
    let bnRecords = GradMode.isEnabled && bn.parameters().contains(where: \.requiresGrad)
    return !conv.recordsGradient(from: x) && !bnRecords && !(bn.training && !bn.isFrozen)
}
