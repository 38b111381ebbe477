import GraftCore
import GraftNN

/// SqueezeNet's Fire module, as torchvision's `Fire`: a 1×1 "squeeze" convolution with ReLU,
/// then 1×1 and 3×3 (padding 1) "expand" convolutions with ReLU, concatenated along channels.
public final class Fire: Module {
    public let squeeze: Conv2d
    @ModuleInfo(key: "squeeze_activation") public var squeezeActivation: ReLU
    public let expand1x1: Conv2d
    @ModuleInfo(key: "expand1x1_activation") public var expand1x1Activation: ReLU
    public let expand3x3: Conv2d
    @ModuleInfo(key: "expand3x3_activation") public var expand3x3Activation: ReLU

    /// Output channels: `expand1x1Planes + expand3x3Planes`.
    public init(inChannels: Int, squeezePlanes: Int, expand1x1Planes: Int, expand3x3Planes: Int) throws {
        squeeze = try Conv2d(inChannels: inChannels, outChannels: squeezePlanes, kernelSize: 1)
        _squeezeActivation.wrappedValue = ReLU()
        expand1x1 = try Conv2d(inChannels: squeezePlanes, outChannels: expand1x1Planes, kernelSize: 1)
        _expand1x1Activation.wrappedValue = ReLU()
        expand3x3 = try Conv2d(inChannels: squeezePlanes, outChannels: expand3x3Planes, kernelSize: 3, padding: 1)
        _expand3x3Activation.wrappedValue = ReLU()
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let s = try squeezeActivation(squeeze(x))
        return try concat([expand1x1Activation(expand1x1(s)), expand3x3Activation(expand3x3(s))], axis: 1)
    }
}

/// SqueezeNet as torchvision builds it (`torchvision.models.squeezenet1_0`, `squeezenet1_1`),
/// from Iandola et al., "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters" (2016).
/// Fire(s, e) squeezes to s channels and expands to e + e; every max pool is 3×3 stride 2
/// with ceil mode.
///
/// | module | version 1.0 | version 1.1 | output 1.0 / 1.1 (224×224 input) |
/// | --- | --- | --- | --- |
/// | features.0, .1 | conv 7×7 stride 2, 96, ReLU | conv 3×3 stride 2, 64, ReLU | 96×109×109 / 64×111×111 |
/// | features.2 | max pool | max pool | 96×54×54 / 64×55×55 |
/// | features.3 | Fire(16, 64) | Fire(16, 64) | 128×54×54 / 128×55×55 |
/// | features.4 | Fire(16, 64) | Fire(16, 64) | 128×54×54 / 128×55×55 |
/// | features.5 | Fire(32, 128) | max pool | 256×54×54 / 128×27×27 |
/// | features.6 | max pool | Fire(32, 128) | 256×27×27 / 256×27×27 |
/// | features.7 | Fire(32, 128) | Fire(32, 128) | 256×27×27 / 256×27×27 |
/// | features.8 | Fire(48, 192) | max pool | 384×27×27 / 256×13×13 |
/// | features.9 | Fire(48, 192) | Fire(48, 192) | 384×27×27 / 384×13×13 |
/// | features.10 | Fire(64, 256) | Fire(48, 192) | 512×27×27 / 384×13×13 |
/// | features.11 | max pool | Fire(64, 256) | 512×13×13 / 512×13×13 |
/// | features.12 | Fire(64, 256) | Fire(64, 256) | 512×13×13 / 512×13×13 |
/// | classifier.0 | dropout | dropout | |
/// | classifier.1, .2 | conv 1×1, classes, ReLU (the head) | the same | classes×13×13 |
/// | classifier.3 | global average pool, then flatten | the same | classes |
///
/// Initialised as torchvision: the head convolution N(0, 0.01²), the others kaiming-uniform
/// (fan in, ReLU gain), all biases 0.
public final class SqueezeNet: Module, TransferModel {
    /// The two published versions; 1.1 needs 2.4× less computation for the same accuracy.
    public enum Version: Sendable {
        case v1_0, v1_1
    }

    public let features: Sequential
    public let classifier: Sequential

    /// `dropout` is the probability of the dropout before the head.
    public init(version: Version, numClasses: Int = 1000, dropout: Float = 0.5) throws {
        func fire(_ inChannels: Int, _ squeeze: Int, _ expand: Int) throws -> Fire {
            try Fire(inChannels: inChannels, squeezePlanes: squeeze, expand1x1Planes: expand, expand3x3Planes: expand)
        }
        func pool() -> MaxPool2d { MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true) }
        switch version {
        case .v1_0:
            features = Sequential([
                try Conv2d(inChannels: 3, outChannels: 96, kernelSize: 7, stride: 2), ReLU(), pool(),
                try fire(96, 16, 64), try fire(128, 16, 64), try fire(128, 32, 128), pool(),
                try fire(256, 32, 128), try fire(256, 48, 192), try fire(384, 48, 192), try fire(384, 64, 256), pool(),
                try fire(512, 64, 256),
            ])
        case .v1_1:
            features = Sequential([
                try Conv2d(inChannels: 3, outChannels: 64, kernelSize: 3, stride: 2), ReLU(), pool(),
                try fire(64, 16, 64), try fire(128, 16, 64), pool(),
                try fire(128, 32, 128), try fire(256, 32, 128), pool(),
                try fire(256, 48, 192), try fire(384, 48, 192), try fire(384, 64, 256), try fire(512, 64, 256),
            ])
        }
        let finalConv = try Conv2d(inChannels: 512, outChannels: numClasses, kernelSize: 1)
        classifier = Sequential(Dropout(p: dropout), finalConv, ReLU(), AdaptiveAvgPool2d(1))
        super.init()
        for conv in ClassicInit.convolutions(self) {
            if conv === finalConv {
                try Init.normal(conv.weight, std: 0.01)
            } else {
                try Init.kaimingUniform(conv.weight)
            }
            if let b = conv.bias { try Init.zeros(b) }
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try forwardHead(forwardFeatures(x))
    }

    /// The features after `classifier.0`, the dropout before the 1×1 convolution head.
    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(features(x), throughFirst: 1)
    }

    /// The head, then the rest of the classifier (ReLU, global average pooling), flattened.
    public func forwardHead(_ features: Tensor) throws -> Tensor {
        var h = try head(features)
        for layer in classifier.layers.dropFirst(2) { h = try layer(h) }
        return try h.flattened()
    }

    public var head: Module { classifier[1] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// SqueezeNet 1.0 and 1.1 with torchvision 0.29's ImageNet-1K weights.
    static let zoo = [
        ModelSpec("squeezenet1_0", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/squeezenet1_0-b66bff10.pth",
                         mebibytes: 4.778, top1: 58.092, top5: 80.42, crop: 224),
        ]) { try SqueezeNet(version: .v1_0, numClasses: $0) },
        ModelSpec("squeezenet1_1", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",
                         mebibytes: 4.729, top1: 58.178, top5: 80.624, crop: 224),
        ]) { try SqueezeNet(version: .v1_1, numClasses: $0) },
    ]
}
