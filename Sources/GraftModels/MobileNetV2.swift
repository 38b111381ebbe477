import GraftCore
import GraftNN

/// torchvision's `Conv2dNormActivation` with ReLU6.
private func convBNReLU6(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, stride: Int = 1,
                         groups: Int = 1) throws -> Sequential {
    try conv2dNormActivation(inChannels, outChannels, kernelSize: kernelSize, stride: stride, groups: groups,
                             activation: ReLU6())
}

/// MobileNetV2's inverted residual block, as torchvision's `InvertedResidual`, a `conv`
/// sequence of: a 1×1 expansion to `inChannels · expandRatio` channels with BN and ReLU6
/// (left out when the ratio is 1), a 3×3 depthwise convolution (with the stride) with BN and
/// ReLU6, and a linear 1×1 projection with BN. The input is added back when the stride is 1
/// and the channel count is unchanged.
public final class InvertedResidual: Module {
    public let conv: Sequential
    /// Whether the block adds its input to its output.
    public let usesResidual: Bool

    /// `stride` is 1 or 2.
    public init(inChannels: Int, outChannels: Int, stride: Int, expandRatio: Int) throws {
        guard stride == 1 || stride == 2, expandRatio > 0 else {
            throw GraftError.invalidArgument(op: "InvertedResidual", detail: "stride must be 1 or 2 and the expansion positive, got \(stride) and \(expandRatio)")
        }
        let hidden = inChannels * expandRatio
        var layers: [Module] = []
        if expandRatio != 1 { layers.append(try convBNReLU6(inChannels, hidden, kernelSize: 1)) }
        layers.append(try convBNReLU6(hidden, hidden, stride: stride, groups: hidden))
        layers.append(try Conv2d(inChannels: hidden, outChannels: outChannels, kernelSize: 1, bias: false))
        layers.append(BatchNorm2d(outChannels))
        conv = Sequential(layers)
        usesResidual = stride == 1 && inChannels == outChannels
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        usesResidual ? try add(x, conv(x)) : try conv(x)
    }
}

/// MobileNetV2 as torchvision builds it (`torchvision.models.mobilenet_v2`, width 1), from
/// Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks" (2018), Table 2:
///
/// | module | operator | t (expansion) | c (channels) | n (blocks) | s (first stride) | output (224×224 input) |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | features.0 | conv 3×3, BN, ReLU6 | – | 32 | 1 | 2 | 32×112×112 |
/// | features.1 | inverted residual | 1 | 16 | 1 | 1 | 16×112×112 |
/// | features.2–3 | inverted residual | 6 | 24 | 2 | 2 | 24×56×56 |
/// | features.4–6 | inverted residual | 6 | 32 | 3 | 2 | 32×28×28 |
/// | features.7–10 | inverted residual | 6 | 64 | 4 | 2 | 64×14×14 |
/// | features.11–13 | inverted residual | 6 | 96 | 3 | 1 | 96×14×14 |
/// | features.14–16 | inverted residual | 6 | 160 | 3 | 2 | 160×7×7 |
/// | features.17 | inverted residual | 6 | 320 | 1 | 1 | 320×7×7 |
/// | features.18 | conv 1×1, BN, ReLU6 | – | 1280 | 1 | 1 | 1280×7×7 |
/// | – | global average pool, flatten | | | | | 1280 |
/// | classifier.0, .1 | dropout, fc 1280 → classes (the head) | | | | | classes |
///
/// Initialised as torchvision: convolutions kaiming-normal (fan out), BatchNorm weight 1
/// and bias 0, the fully connected layer N(0, 0.01²) with a zero bias.
public final class MobileNetV2: Module, TransferModel {
    /// The paper's Table 2 rows of inverted residual blocks: expansion t, channels c, count n, first stride s.
    static let settings: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    public let features: Sequential
    public let classifier: Sequential

    /// `dropout` is the probability of the dropout before the head.
    public init(numClasses: Int = 1000, dropout: Float = 0.2) throws {
        var layers: [Module] = [try convBNReLU6(3, 32, stride: 2)]
        var channels = 32
        for row in MobileNetV2.settings {
            for i in 0..<row.n {
                layers.append(try InvertedResidual(inChannels: channels, outChannels: row.c, stride: i == 0 ? row.s : 1,
                                                   expandRatio: row.t))
                channels = row.c
            }
        }
        layers.append(try convBNReLU6(channels, 1280, kernelSize: 1))
        features = Sequential(layers)
        classifier = Sequential(Dropout(p: dropout), try Linear(inFeatures: 1280, outFeatures: numClasses))
        super.init()
        try ClassicInit.kaimingNormalFanOutConvolutions(self)
        try ClassicInit.normalLinears(self, std: 0.01)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(adaptiveAvgPool2d(features(x), outputSize: (1, 1)).flattened(), throughFirst: 1)
    }

    public var head: Module { classifier[1] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// torchvision's MobileNet-v2 with torchvision 0.29's ImageNet-1K weights, its default set
    /// (`IMAGENET1K_V2`, resize 232) first.
    static let zoo = [
        ModelSpec("mobilenet_v2", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth",
                         mebibytes: 13.598, top1: 72.154, top5: 90.822, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
                         mebibytes: 13.555, top1: 71.878, top5: 90.286, crop: 224),
        ]) { try MobileNetV2(numClasses: $0) },
    ]
}
