import GraftCore

/// `torchvision.ops.misc.SqueezeExcitation`: `x` times a per-sample, per-channel scale
/// `scale_activation(fc2(activation(fc1(avgpool(x)))))`. Children, in torchvision's order:
/// `avgpool` (global average pooling), `fc1` (1×1 convolution, input → squeeze channels),
/// `fc2` (1×1 convolution, squeeze → input channels), `activation` (ReLU by default; SiLU in
/// EfficientNet) and `scale_activation` (Sigmoid by default; Hardsigmoid in MobileNet-v3).
public final class SqueezeExcitation: Module {
    public let avgpool: AdaptiveAvgPool2d
    public let fc1: Conv2d
    public let fc2: Conv2d
    public let activation: Module
    @ModuleInfo(key: "scale_activation") public var scaleActivation: Module

    /// Throws `GraftError.invalidArgument` for non-positive channel counts.
    public init(inputChannels: Int, squeezeChannels: Int, activation: Module = ReLU(),
                scaleActivation: Module = Sigmoid()) throws {
        avgpool = AdaptiveAvgPool2d(1)
        fc1 = try Conv2d(inChannels: inputChannels, outChannels: squeezeChannels, kernelSize: 1)
        fc2 = try Conv2d(inChannels: squeezeChannels, outChannels: inputChannels, kernelSize: 1)
        self.activation = activation
        _scaleActivation.wrappedValue = scaleActivation
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let scale = try scaleActivation(fc2(activation(fc1(avgpool(x)))))
        return try mul(scale, x)
    }
}
