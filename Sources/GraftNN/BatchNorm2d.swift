import GraftCore

/// Batch normalisation over the channels of `[N, C, H, W]` (or `[N, C]`), as
/// `torch.nn.BatchNorm2d`: parameters `weight`, `bias`; buffers `running_mean`, `running_var`
/// and `num_batches_tracked` (an int64 scalar, as torchvision's checkpoints hold it).
///
/// In training mode it normalises with batch statistics and updates the running ones; in
/// eval mode, or when its parameters are frozen, it uses the running statistics and never
/// changes them (a frozen BatchNorm keeps its statistics, as Keras does).
public final class BatchNorm2d: Module {
    public let numFeatures: Int
    public let eps: Float
    public var momentum: Float
    @ParameterInfo public var weight: Tensor?
    @ParameterInfo public var bias: Tensor?
    @BufferInfo(key: "running_mean") public var runningMean: Tensor
    @BufferInfo(key: "running_var") public var runningVar: Tensor
    /// Training steps that updated the running statistics.
    @BufferInfo(key: "num_batches_tracked") public var numBatchesTracked: Tensor

    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        weight = affine ? Tensor.ones([numFeatures]) : nil
        bias = affine ? Tensor.zeros([numFeatures]) : nil
        _runningMean.wrappedValue = Tensor.zeros([numFeatures])
        _runningVar.wrappedValue = Tensor.ones([numFeatures])
        _numBatchesTracked.wrappedValue = Tensor(int64: [0], shape: [])
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let updatesStatistics = training && !isFrozen
        let y = try batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                              training: updatesStatistics, momentum: momentum, eps: eps, relu: false)
        if updatesStatistics { numBatchesTracked.assign(Tensor(int64: [numBatchesTracked.int64Values[0] + 1], shape: [])) }
        return y
    }
}
