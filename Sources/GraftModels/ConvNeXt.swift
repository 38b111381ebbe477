import GraftCore
import GraftNN

/// ConvNeXt as torchvision builds it (`torchvision.models.convnext_tiny`), from Liu et al.,
/// "A ConvNet for the 2020s" (2022), Table 9 (ConvNeXt-T):
///
/// | module | layer | output (224×224 input) |
/// | --- | --- | --- |
/// | features.0 | conv 4×4 stride 4, 96; LayerNorm | 96×56×56 |
/// | features.1 | 3 blocks, 96 | 96×56×56 |
/// | features.2 | LayerNorm; conv 2×2 stride 2, 192 | 192×28×28 |
/// | features.3 | 3 blocks, 192 | 192×28×28 |
/// | features.4 | LayerNorm; conv 2×2 stride 2, 384 | 384×14×14 |
/// | features.5 | 9 blocks, 384 | 384×14×14 |
/// | features.6 | LayerNorm; conv 2×2 stride 2, 768 | 768×7×7 |
/// | features.7 | 3 blocks, 768 | 768×7×7 |
/// | avgpool | global average pool | 768×1×1 |
/// | classifier.0, .1 | LayerNorm, flatten | 768 |
/// | classifier.2 | fc 768 → classes (the head) | classes |
///
/// with `CNBlock` blocks (depthwise 7×7, LayerNorm, fc to 4·dim, GELU, fc back, layer scale,
/// stochastic depth, residual). Every LayerNorm normalises over the channels with eps 1e-6.
/// Block k of n (counting all stages from 0) drops its residual branch with probability
/// `stochasticDepthProbability · k / (n − 1)` while training.
///
/// Initialised as torchvision: convolution and fully connected weights from a normal with
/// std 0.02 truncated to [−2, 2], zero biases, LayerNorm weight 1 and bias 0, every
/// `layer_scale` entry `layerScale`.
public final class ConvNeXt: Module, TransferModel {
    public let features: Sequential
    public let avgpool: AdaptiveAvgPool2d
    public let classifier: Sequential

    /// `depths` gives the number of blocks of each stage and `widths` their channels (ConvNeXt-T:
    /// 3-3-9-3 and 96-192-384-768).
    public init(depths: [Int] = [3, 3, 9, 3], widths: [Int] = [96, 192, 384, 768], numClasses: Int = 1000,
                stochasticDepthProbability: Float = 0.1, layerScale: Float = 1e-6) throws {
        guard !depths.isEmpty, depths.count == widths.count, depths.allSatisfy({ $0 > 0 }), widths.allSatisfy({ $0 > 0 }) else {
            throw GraftError.invalidArgument(op: "ConvNeXt", detail: "needs as many positive depths as widths, got \(depths) and \(widths)")
        }
        guard stochasticDepthProbability >= 0, stochasticDepthProbability <= 1 else {
            throw GraftError.invalidArgument(op: "ConvNeXt", detail: "stochastic depth probability \(stochasticDepthProbability) is outside [0, 1]")
        }
        var layers: [Module] = [Sequential(try Conv2d(inChannels: 3, outChannels: widths[0], kernelSize: 4, stride: 4),
                                           LayerNorm2d(widths[0], eps: 1e-6))]
        let totalBlocks = depths.reduce(0, +)
        var blockID = 0
        for (stage, (depth, width)) in zip(depths, widths).enumerated() {
            let blocks = Sequential()
            for _ in 0..<depth {
                let p = totalBlocks > 1 ? Double(stochasticDepthProbability) * Double(blockID) / Double(totalBlocks - 1) : 0
                blocks.append(try CNBlock(dim: width, layerScale: layerScale, stochasticDepthProbability: Float(p)))
                blockID += 1
            }
            layers.append(blocks)
            if stage + 1 < widths.count {
                layers.append(Sequential(LayerNorm2d(width, eps: 1e-6),
                                         try Conv2d(inChannels: width, outChannels: widths[stage + 1], kernelSize: 2, stride: 2)))
            }
        }
        features = Sequential(layers)
        avgpool = AdaptiveAvgPool2d(1)
        let last = widths[widths.count - 1]
        classifier = Sequential(LayerNorm2d(last, eps: 1e-6), Flatten(), try Linear(inFeatures: last, outFeatures: numClasses))
        super.init()
        for (_, m) in namedModules() {
            let (weight, bias): (Tensor?, Tensor?) = switch m {
            case let conv as Conv2d: (conv.weight, conv.bias)
            case let fc as Linear: (fc.weight, fc.bias)
            case let fc as PixelwiseLinear: (fc.weight, fc.bias)
            default: (nil, nil)
            }
            if let weight { try Init.truncatedNormal(weight, std: 0.02) }
            if let bias { try Init.zeros(bias) }
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try head(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try classifier.forward(avgpool(features(x)), throughFirst: 2)
    }

    public var head: Module { classifier[2] }
    public var stages: [Module] { withParameters(features.layers + classifier.layers) }

    /// torchvision's ConvNeXt-T with torchvision 0.29's ImageNet-1K weights (resize 236, crop 224).
    static let zoo = [
        ModelSpec("convnext_tiny", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/convnext_tiny-983f1562.pth",
                         mebibytes: 109.119, top1: 82.52, top5: 96.146, crop: 224, resize: 236),
        ]) { try ConvNeXt.convnext_tiny(numClasses: $0) },
    ]

    /// ConvNeXt-T: blocks 3-3-9-3 of widths 96-192-384-768, stochastic depth up to 0.1.
    public static func convnext_tiny(numClasses: Int = 1000, stochasticDepthProbability: Float = 0.1) throws -> ConvNeXt {
        try ConvNeXt(numClasses: numClasses, stochasticDepthProbability: stochasticDepthProbability)
    }
}
