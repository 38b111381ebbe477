import GraftCore
import GraftNN

/// EfficientNet's mobile inverted bottleneck, as torchvision's `MBConv`: a `block` sequence of
/// a 1×1 expansion to `expandedChannels` with BN and SiLU (left out when it would not change
/// the channel count), a k×k depthwise convolution (with the stride) with BN and SiLU,
/// squeeze-and-excitation (SiLU, sigmoid) down to a quarter of the input channels, and a linear
/// 1×1 projection with BN. When the stride is 1 and the channel count unchanged, the block's
/// output goes through `stochastic_depth` (row mode, active in training only) and the input
/// is added.
public final class MBConv: Module {
    public let block: Sequential
    @ModuleInfo(key: "stochastic_depth") public var stochasticDepth: StochasticDepth
    /// Whether the block adds its input to its output.
    public let usesResidual: Bool

    /// `stride` is 1 or 2; `stochasticDepthProbability` is the chance that training drops the
    /// block's residual branch for a sample.
    public init(inChannels: Int, outChannels: Int, expandedChannels: Int, kernelSize: Int, stride: Int,
                stochasticDepthProbability: Float) throws {
        guard stride == 1 || stride == 2 else {
            throw GraftError.invalidArgument(op: "MBConv", detail: "stride must be 1 or 2, got \(stride)")
        }
        var layers: [Module] = []
        if expandedChannels != inChannels {
            layers.append(try conv2dNormActivation(inChannels, expandedChannels, kernelSize: 1, activation: SiLU()))
        }
        layers.append(try conv2dNormActivation(expandedChannels, expandedChannels, kernelSize: kernelSize, stride: stride,
                                               groups: expandedChannels, activation: SiLU()))
        layers.append(try SqueezeExcitation(inputChannels: expandedChannels, squeezeChannels: max(1, inChannels / 4),
                                            activation: SiLU()))
        layers.append(try conv2dNormActivation(expandedChannels, outChannels, kernelSize: 1, activation: nil))
        block = Sequential(layers)
        _stochasticDepth.wrappedValue = StochasticDepth(p: stochasticDepthProbability, mode: .row)
        usesResidual = stride == 1 && inChannels == outChannels
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let result = try block(x)
        return usesResidual ? try add(stochasticDepth(result), x) : result
    }
}

/// EfficientNet-B0 … B3 as torchvision builds them (`torchvision.models.efficientnet_b0` …
/// `efficientnet_b3`), from Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional
/// Neural Networks" (2019), Table 1 (B0; MBConv-e is an `MBConv` expanding e times):
///
/// | module | operator | channels | layers | first stride | output (224×224 input) |
/// | --- | --- | --- | --- | --- | --- |
/// | features.0 | conv 3×3, BN, SiLU | 32 | 1 | 2 | 32×112×112 |
/// | features.1 | MBConv-1, 3×3 | 16 | 1 | 1 | 16×112×112 |
/// | features.2 | MBConv-6, 3×3 | 24 | 2 | 2 | 24×56×56 |
/// | features.3 | MBConv-6, 5×5 | 40 | 2 | 2 | 40×28×28 |
/// | features.4 | MBConv-6, 3×3 | 80 | 3 | 2 | 80×14×14 |
/// | features.5 | MBConv-6, 5×5 | 112 | 3 | 1 | 112×14×14 |
/// | features.6 | MBConv-6, 5×5 | 192 | 4 | 2 | 192×7×7 |
/// | features.7 | MBConv-6, 3×3 | 320 | 1 | 1 | 320×7×7 |
/// | features.8 | conv 1×1, BN, SiLU | 4 × 320 = 1280 | 1 | 1 | 1280×7×7 |
/// | avgpool | global average pool, flatten | | | | 1280 |
/// | classifier.0, .1 | dropout, fc 1280 → classes (the head) | | | | classes |
///
/// B1 … B3 scale the channels (`makeDivisible(c · width, 8)`) and the layers of each stage
/// (⌈n · depth⌉): B1 width 1.0, depth 1.1, dropout 0.2; B2 1.1, 1.2, 0.3; B3 1.2, 1.4, 0.3.
/// Block i of the N blocks drops its residual branch in training with probability
/// 0.2 · i / N. BatchNorm is torch's default (eps 1e-5, momentum 0.1).
///
/// Initialised as torchvision: convolutions kaiming-normal (fan out) with zero biases,
/// BatchNorm weight 1 and bias 0, the fully connected layer U(−1/√classes, 1/√classes) with a
/// zero bias.
public final class EfficientNet: Module, TransferModel {
    /// Table 1's rows of `MBConv` stages before scaling: expansion, kernel, first stride,
    /// input and output channels, layers.
    static let settings: [(expand: Int, kernel: Int, stride: Int, inChannels: Int, outChannels: Int, layers: Int)] = [
        (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
        (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
    ]

    public let features: Sequential
    public let avgpool: AdaptiveAvgPool2d
    public let classifier: Sequential

    /// `width` and `depth` scale the channels and the layers per stage; `dropout` precedes the
    /// head; `stochasticDepthProbability` is the last block's chance of being dropped in training.
    public init(width: Double, depth: Double, dropout: Float, stochasticDepthProbability: Float = 0.2,
                numClasses: Int = 1000) throws {
        func channels(_ c: Int) -> Int { makeDivisible(Double(c) * width, 8) }
        let stages = EfficientNet.settings.map { row in
            (row, layers: Int((Double(row.layers) * depth).rounded(.up)))
        }
        let totalBlocks = stages.reduce(0) { $0 + $1.layers }
        var layers: [Module] = [try conv2dNormActivation(3, channels(32), stride: 2, activation: SiLU())]
        var blockIndex = 0
        for (row, count) in stages {
            let stage = Sequential()
            for i in 0..<count {
                let inChannels = channels(i == 0 ? row.inChannels : row.outChannels)
                stage.append(try MBConv(inChannels: inChannels, outChannels: channels(row.outChannels),
                                        expandedChannels: makeDivisible(Double(inChannels * row.expand), 8),
                                        kernelSize: row.kernel, stride: i == 0 ? row.stride : 1,
                                        stochasticDepthProbability: stochasticDepthProbability * Float(blockIndex) / Float(totalBlocks)))
                blockIndex += 1
            }
            layers.append(stage)
        }
        let lastChannels = 4 * channels(320)
        layers.append(try conv2dNormActivation(channels(320), lastChannels, kernelSize: 1, activation: SiLU()))
        features = Sequential(layers)
        avgpool = AdaptiveAvgPool2d(1)
        let fc = try Linear(inFeatures: lastChannels, outFeatures: numClasses)
        classifier = Sequential(Dropout(p: dropout), fc)
        super.init()
        try ClassicInit.kaimingNormalFanOutConvolutions(self)
        try ClassicInit.uniformByOutputs(fc)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(avgpool(features(x)).flattened(), throughFirst: 1)
    }

    public var head: Module { classifier[1] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// EfficientNet-B0: width 1.0, depth 1.0, dropout 0.2.
    public static func efficientnet_b0(numClasses: Int = 1000) throws -> EfficientNet {
        try EfficientNet(width: 1.0, depth: 1.0, dropout: 0.2, numClasses: numClasses)
    }

    /// EfficientNet-B1: width 1.0, depth 1.1, dropout 0.2.
    public static func efficientnet_b1(numClasses: Int = 1000) throws -> EfficientNet {
        try EfficientNet(width: 1.0, depth: 1.1, dropout: 0.2, numClasses: numClasses)
    }

    /// EfficientNet-B2: width 1.1, depth 1.2, dropout 0.3.
    public static func efficientnet_b2(numClasses: Int = 1000) throws -> EfficientNet {
        try EfficientNet(width: 1.1, depth: 1.2, dropout: 0.3, numClasses: numClasses)
    }

    /// EfficientNet-B3: width 1.2, depth 1.4, dropout 0.3.
    public static func efficientnet_b3(numClasses: Int = 1000) throws -> EfficientNet {
        try EfficientNet(width: 1.2, depth: 1.4, dropout: 0.3, numClasses: numClasses)
    }

    /// EfficientNet-B0 … B3 with torchvision 0.29's ImageNet-1K weights, its default set first,
    /// whose preprocessing is the model's (bicubic for B0, B2 and B3; B1's default is `IMAGENET1K_V2`).
    static let zoo = [
        ModelSpec("efficientnet_b0", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/efficientnet_b0_rwightman-7f5810bc.pth",
                         mebibytes: 20.451, top1: 77.692, top5: 93.532, crop: 224, resize: 256, interpolation: .bicubic),
        ]) { try efficientnet_b0(numClasses: $0) },
        ModelSpec("efficientnet_b1", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/efficientnet_b1-c27df63c.pth",
                         mebibytes: 30.136, top1: 79.838, top5: 94.934, crop: 240, resize: 255),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/efficientnet_b1_rwightman-bac287d4.pth",
                         mebibytes: 30.134, top1: 78.642, top5: 94.186, crop: 240, resize: 256, interpolation: .bicubic),
        ]) { try efficientnet_b1(numClasses: $0) },
        ModelSpec("efficientnet_b2", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/efficientnet_b2_rwightman-c35c1473.pth",
                         mebibytes: 35.174, top1: 80.608, top5: 95.31, crop: 288, resize: 288, interpolation: .bicubic),
        ]) { try efficientnet_b2(numClasses: $0) },
        ModelSpec("efficientnet_b3", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/efficientnet_b3_rwightman-b3899882.pth",
                         mebibytes: 47.184, top1: 82.008, top5: 96.054, crop: 300, resize: 320, interpolation: .bicubic),
        ]) { try efficientnet_b3(numClasses: $0) },
    ]
}
