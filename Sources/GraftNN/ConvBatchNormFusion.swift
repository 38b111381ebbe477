import GraftCore

/// `bn(conv(x))`, then ReLU when `relu` is true: the common conv–BN–ReLU run of ResNets and
/// Inception nets. When nothing needs a gradient and `bn` would use its running statistics
/// (eval mode, or frozen), it runs as one folded convolution (`conv2dBatchNormInference`);
/// otherwise the batch norm computes the ReLU too (`BatchNorm2d.forward(_:relu:)`); while a
/// `ModuleTrace` records the modules, it calls the modules one by one.
public func convBatchNorm(_ conv: Conv2d, _ bn: BatchNorm2d, relu: Bool, _ x: Tensor) throws -> Tensor {
    let recording = GradMode.isEnabled
        && ([x, conv.weight] + [conv.bias, bn.weight, bn.bias].compactMap { $0 }).contains { $0.requiresGrad }
    let updatesStatistics = bn.training && !bn.isFrozen
    if ModuleTrace.active != nil {
        let y = try bn(conv(x))
        return relu ? try GraftCore.relu(y) : y
    }
    guard !recording, !updatesStatistics else { return try bn.forward(conv(x), relu: relu) }
    return try conv2dBatchNormInference(x, weight: conv.weight, bias: conv.bias, conv.config,
                                        bnWeight: bn.weight, bnBias: bn.bias, runningMean: bn.runningMean,
                                        runningVar: bn.runningVar, eps: bn.eps, relu: relu)
}
