import GraftCore
import GraftNN

/// MobileNet-v3's nonlinearity of a block row: "RE" (ReLU) or "HS" (hard swish).
public enum MobileNetV3Activation: Sendable {
    case relu, hardswish

    func make() -> Module { self == .relu ? ReLU() : Hardswish() }
}

/// MobileNet-v3's batch normalisation: eps 0.001, momentum 0.01.
private func mobileNetV3BatchNorm(_ channels: Int) -> BatchNorm2d {
    BatchNorm2d(channels, eps: 1e-3, momentum: 0.01)
}

/// torchvision's `Conv2dNormActivation` as MobileNet-v3 uses it: its BatchNorm, kernel 1 by
/// default, the activation ("2") unless it is nil.
private func convBN(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 1, stride: Int = 1, groups: Int = 1,
                    activation: MobileNetV3Activation?) throws -> Sequential {
    try conv2dNormActivation(inChannels, outChannels, kernelSize: kernelSize, stride: stride, groups: groups,
                             norm: mobileNetV3BatchNorm, activation: activation?.make())
}

/// MobileNet-v3's inverted residual block (torchvision's `mobilenetv3.InvertedResidual`), a
/// `block` sequence of: a 1×1 expansion with BN and the row's activation (left out when the
/// expanded width equals the input's), a k×k depthwise convolution (with the stride) with BN
/// and the activation, optionally a `SqueezeExcitation` (ReLU, hard-sigmoid scale, squeeze width
/// `makeDivisible(expanded / 4)`), and a linear 1×1 projection with BN. The input is added
/// back when the stride is 1 and the channel count is unchanged.
public final class MobileNetV3Block: Module {
    public let block: Sequential
    /// Whether the block adds its input to its output.
    public let usesResidual: Bool

    /// `stride` is 1 or 2.
    public init(inChannels: Int, kernelSize: Int, expandedChannels: Int, outChannels: Int, squeezeExcitation: Bool,
                activation: MobileNetV3Activation, stride: Int) throws {
        guard stride == 1 || stride == 2 else {
            throw GraftError.invalidArgument(op: "MobileNetV3Block", detail: "stride must be 1 or 2, got \(stride)")
        }
        var layers: [Module] = []
        if expandedChannels != inChannels {
            layers.append(try convBN(inChannels, expandedChannels, activation: activation))
        }
        layers.append(try convBN(expandedChannels, expandedChannels, kernelSize: kernelSize, stride: stride,
                                 groups: expandedChannels, activation: activation))
        if squeezeExcitation {
            layers.append(try SqueezeExcitation(inputChannels: expandedChannels,
                                                squeezeChannels: makeDivisible(Double(expandedChannels / 4)),
                                                scaleActivation: Hardsigmoid()))
        }
        layers.append(try convBN(expandedChannels, outChannels, activation: nil))
        block = Sequential(layers)
        usesResidual = stride == 1 && inChannels == outChannels
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        usesResidual ? try add(block(x), x) : try block(x)
    }
}

/// MobileNet-v3 as torchvision builds it (`torchvision.models.mobilenet_v3_large` and
/// `mobilenet_v3_small`, width 1), from Howard et al., "Searching for MobileNetV3" (2019),
/// Tables 1 and 2. Large:
///
/// | module | operator | kernel | expanded | out | SE | activation | stride | output (224×224 input) |
/// | --- | --- | --- | --- | --- | --- | --- | --- | --- |
/// | features.0 | conv, BN | 3 | – | 16 | | HS | 2 | 16×112×112 |
/// | features.1 | bneck | 3 | 16 | 16 | | RE | 1 | 16×112×112 |
/// | features.2 | bneck | 3 | 64 | 24 | | RE | 2 | 24×56×56 |
/// | features.3 | bneck | 3 | 72 | 24 | | RE | 1 | 24×56×56 |
/// | features.4 | bneck | 5 | 72 | 40 | ✓ | RE | 2 | 40×28×28 |
/// | features.5–6 | bneck | 5 | 120 | 40 | ✓ | RE | 1 | 40×28×28 |
/// | features.7 | bneck | 3 | 240 | 80 | | HS | 2 | 80×14×14 |
/// | features.8 | bneck | 3 | 200 | 80 | | HS | 1 | 80×14×14 |
/// | features.9–10 | bneck | 3 | 184 | 80 | | HS | 1 | 80×14×14 |
/// | features.11 | bneck | 3 | 480 | 112 | ✓ | HS | 1 | 112×14×14 |
/// | features.12 | bneck | 3 | 672 | 112 | ✓ | HS | 1 | 112×14×14 |
/// | features.13 | bneck | 5 | 672 | 160 | ✓ | HS | 2 | 160×7×7 |
/// | features.14–15 | bneck | 5 | 960 | 160 | ✓ | HS | 1 | 160×7×7 |
/// | features.16 | conv 1×1, BN | 1 | – | 960 | | HS | 1 | 960×7×7 |
/// | avgpool | global average pool, flatten | | | | | | | 960 |
/// | classifier.0–2 | fc, hard swish, dropout | | | 1280 | | HS | | 1280 |
/// | classifier.3 | fc (the head) | | | classes | | | | classes |
///
/// Small:
///
/// | module | operator | kernel | expanded | out | SE | activation | stride | output (224×224 input) |
/// | --- | --- | --- | --- | --- | --- | --- | --- | --- |
/// | features.0 | conv, BN | 3 | – | 16 | | HS | 2 | 16×112×112 |
/// | features.1 | bneck | 3 | 16 | 16 | ✓ | RE | 2 | 16×56×56 |
/// | features.2 | bneck | 3 | 72 | 24 | | RE | 2 | 24×28×28 |
/// | features.3 | bneck | 3 | 88 | 24 | | RE | 1 | 24×28×28 |
/// | features.4 | bneck | 5 | 96 | 40 | ✓ | HS | 2 | 40×14×14 |
/// | features.5–6 | bneck | 5 | 240 | 40 | ✓ | HS | 1 | 40×14×14 |
/// | features.7 | bneck | 5 | 120 | 48 | ✓ | HS | 1 | 48×14×14 |
/// | features.8 | bneck | 5 | 144 | 48 | ✓ | HS | 1 | 48×14×14 |
/// | features.9 | bneck | 5 | 288 | 96 | ✓ | HS | 2 | 96×7×7 |
/// | features.10–11 | bneck | 5 | 576 | 96 | ✓ | HS | 1 | 96×7×7 |
/// | features.12 | conv 1×1, BN | 1 | – | 576 | | HS | 1 | 576×7×7 |
/// | avgpool | global average pool, flatten | | | | | | | 576 |
/// | classifier.0–2 | fc, hard swish, dropout | | | 1024 | | HS | | 1024 |
/// | classifier.3 | fc (the head) | | | classes | | | | classes |
///
/// "bneck" is `MobileNetV3Block`; BatchNorm uses eps 0.001 and momentum 0.01. Initialised as
/// torchvision: convolutions (squeeze-and-excitation's included) kaiming-normal (fan out) with
/// zero biases, BatchNorm weight 1 and bias 0, fully connected layers N(0, 0.01²) with zero biases.
public final class MobileNetV3: Module, TransferModel {
    /// A row of the tables: kernel, expanded and output channels, squeeze-and-excitation,
    /// activation and stride.
    public typealias BlockSetting = (kernel: Int, expanded: Int, out: Int, squeezeExcitation: Bool,
                                     activation: MobileNetV3Activation, stride: Int)

    /// Table 1, MobileNetV3-Large.
    public static let largeSettings: [BlockSetting] = [
        (3, 16, 16, false, .relu, 1), (3, 64, 24, false, .relu, 2), (3, 72, 24, false, .relu, 1),
        (5, 72, 40, true, .relu, 2), (5, 120, 40, true, .relu, 1), (5, 120, 40, true, .relu, 1),
        (3, 240, 80, false, .hardswish, 2), (3, 200, 80, false, .hardswish, 1), (3, 184, 80, false, .hardswish, 1),
        (3, 184, 80, false, .hardswish, 1), (3, 480, 112, true, .hardswish, 1), (3, 672, 112, true, .hardswish, 1),
        (5, 672, 160, true, .hardswish, 2), (5, 960, 160, true, .hardswish, 1), (5, 960, 160, true, .hardswish, 1),
    ]

    /// Table 2, MobileNetV3-Small.
    public static let smallSettings: [BlockSetting] = [
        (3, 16, 16, true, .relu, 2), (3, 72, 24, false, .relu, 2), (3, 88, 24, false, .relu, 1),
        (5, 96, 40, true, .hardswish, 2), (5, 240, 40, true, .hardswish, 1), (5, 240, 40, true, .hardswish, 1),
        (5, 120, 48, true, .hardswish, 1), (5, 144, 48, true, .hardswish, 1), (5, 288, 96, true, .hardswish, 2),
        (5, 576, 96, true, .hardswish, 1), (5, 576, 96, true, .hardswish, 1),
    ]

    public let features: Sequential
    public let avgpool: AdaptiveAvgPool2d
    /// fc, hard swish, dropout, and the head `classifier.3`.
    public let classifier: Sequential

    /// `settings` are the block rows (the first block's input is the stem's 16 channels),
    /// `lastChannel` the width of the hidden fully connected layer, `dropout` the probability
    /// of the dropout before the head.
    public init(settings: [BlockSetting], lastChannel: Int, numClasses: Int = 1000, dropout: Float = 0.2) throws {
        guard !settings.isEmpty else {
            throw GraftError.invalidArgument(op: "MobileNetV3", detail: "needs at least one block setting")
        }
        var layers: [Module] = [try convBN(3, 16, kernelSize: 3, stride: 2, activation: .hardswish)]
        var channels = 16
        for row in settings {
            layers.append(try MobileNetV3Block(inChannels: channels, kernelSize: row.kernel, expandedChannels: row.expanded,
                                               outChannels: row.out, squeezeExcitation: row.squeezeExcitation,
                                               activation: row.activation, stride: row.stride))
            channels = row.out
        }
        layers.append(try convBN(channels, 6 * channels, activation: .hardswish))
        features = Sequential(layers)
        avgpool = AdaptiveAvgPool2d(1)
        classifier = Sequential(try Linear(inFeatures: 6 * channels, outFeatures: lastChannel), Hardswish(),
                                Dropout(p: dropout), try Linear(inFeatures: lastChannel, outFeatures: numClasses))
        super.init()
        try ClassicInit.kaimingNormalFanOutConvolutions(self)
        try ClassicInit.normalLinears(self, std: 0.01)
    }

    /// MobileNetV3-Large: Table 1, hidden width 1280.
    public static func large(numClasses: Int = 1000) throws -> MobileNetV3 {
        try MobileNetV3(settings: largeSettings, lastChannel: 1280, numClasses: numClasses)
    }

    /// MobileNetV3-Small: Table 2, hidden width 1024.
    public static func small(numClasses: Int = 1000) throws -> MobileNetV3 {
        try MobileNetV3(settings: smallSettings, lastChannel: 1024, numClasses: numClasses)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(avgpool(features(x)).flattened(), throughFirst: 3)
    }

    public var head: Module { classifier[3] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// torchvision's MobileNet-v3 Large and Small with torchvision 0.29's ImageNet-1K weights,
    /// each default set first (Large's `IMAGENET1K_V2` resizes to 232).
    static let zoo = [
        ModelSpec("mobilenet_v3_large", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/mobilenet_v3_large-5c1a4163.pth",
                         mebibytes: 21.107, top1: 75.274, top5: 92.566, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/mobilenet_v3_large-8738ca79.pth",
                         mebibytes: 21.114, top1: 74.042, top5: 91.34, crop: 224),
        ]) { try MobileNetV3.large(numClasses: $0) },
        ModelSpec("mobilenet_v3_small", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/mobilenet_v3_small-047dcff4.pth",
                         mebibytes: 9.829, top1: 67.668, top5: 87.402, crop: 224),
        ]) { try MobileNetV3.small(numClasses: $0) },
    ]
}
