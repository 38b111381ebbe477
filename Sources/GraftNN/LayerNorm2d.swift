import GraftCore

/// torchvision's `LayerNorm2d` (ConvNeXt): layer normalisation over the channels of each pixel
/// of `[N, C, H, W]`, with parameters `weight` (ones) and `bias` (zeros), both `[C]`.
public final class LayerNorm2d: Module {
    public let channels: Int
    public let eps: Float
    /// The per-channel scale `[C]`.
    @ParameterInfo public var weight: Tensor
    /// The per-channel shift `[C]`.
    @ParameterInfo public var bias: Tensor

    public init(_ channels: Int, eps: Float = 1e-6) {
        self.channels = channels
        self.eps = eps
        weight = Tensor.ones([channels])
        bias = Tensor.zeros([channels])
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try layerNorm2d(x, weight: weight, bias: bias, eps: eps)
    }
}
