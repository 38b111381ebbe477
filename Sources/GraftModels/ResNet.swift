import GraftCore
import GraftNN

/// ResNet as torchvision builds it (`torchvision.models.resnet18` … `resnet152`,
/// `resnext50_32x4d`, `wide_resnet50_2`), from He et al., "Deep Residual Learning for Image
/// Recognition" (2016), Table 1:
///
/// | module | layer | output (224×224 input) |
/// | --- | --- | --- |
/// | conv1, bn1, relu | conv 7×7 stride 2 pad 3, 64, BN, ReLU | 64×112×112 |
/// | maxpool | max pool 3×3 stride 2 pad 1 | 64×56×56 |
/// | layer1 | blocks of 64 planes | 64·e×56×56 |
/// | layer2 | blocks of 128 planes, the first with stride 2 | 128·e×28×28 |
/// | layer3 | blocks of 256 planes, the first with stride 2 | 256·e×14×14 |
/// | layer4 | blocks of 512 planes, the first with stride 2 | 512·e×7×7 |
/// | avgpool | global average pool | 512·e×1×1 |
/// | fc | fc 512·e → classes (the head) | classes |
///
/// with `BasicBlock` (e = 1; 2-2-2-2 blocks for ResNet-18, 3-4-6-3 for ResNet-34) or
/// `Bottleneck` (e = 4; 3-4-6-3 for ResNet-50, 3-4-23-3 for 101, 3-8-36-3 for 152). The
/// first block of a layer gets a `downsample` shortcut (1×1 conv with the stride, BN) when
/// the stride or the channel count changes.
///
/// Initialised as torchvision: convolutions kaiming-normal (fan out, ReLU gain), BatchNorm
/// weight 1 and bias 0, and `fc` with torch's default for `Linear`.
public final class ResNet: Module, TransferModel {
    /// The residual block a ResNet stacks.
    public enum Block: Sendable {
        case basic, bottleneck

        /// Output channels per plane.
        public var expansion: Int { self == .basic ? BasicBlock.expansion : Bottleneck.expansion }
    }

    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let relu: ReLU
    public let maxpool: MaxPool2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public let avgpool: AdaptiveAvgPool2d
    /// The classification head (a `Linear` as built; after head surgery, whatever replaced it).
    @ModuleInfo public var fc: Module

    /// `layers` gives the number of blocks in each of the four layers; `groups` and
    /// `widthPerGroup` set a bottleneck's width to `planes · widthPerGroup / 64 · groups`
    /// (ResNeXt-50 32×4d: 32 and 4; wide ResNet-50-2: 1 and 128). Basic blocks need the
    /// defaults 1 and 64.
    public init(block: Block, layers: [Int], numClasses: Int = 1000, groups: Int = 1, widthPerGroup: Int = 64) throws {
        guard layers.count == 4, layers.allSatisfy({ $0 > 0 }) else {
            throw GraftError.invalidArgument(op: "ResNet", detail: "needs four positive block counts, not \(layers)")
        }
        guard groups > 0, widthPerGroup > 0, block == .bottleneck || (groups == 1 && widthPerGroup == 64) else {
            throw GraftError.invalidArgument(op: "ResNet", detail: "basic blocks need groups 1 and width per group 64, got \(groups) and \(widthPerGroup)")
        }
        conv1 = try Conv2d(inChannels: 3, outChannels: 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm2d(64)
        relu = ReLU()
        maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var inChannels = 64
        // torchvision's `_make_layer`.
        func makeLayer(planes: Int, blocks: Int, stride: Int) throws -> Sequential {
            let outChannels = planes * block.expansion
            let downsample = stride != 1 || inChannels != outChannels
                ? try resNetDownsample(inChannels: inChannels, outChannels: outChannels, stride: stride) : nil
            let layer = Sequential()
            for i in 0..<blocks {
                let (s, d) = i == 0 ? (stride, downsample) : (1, nil)
                switch block {
                case .basic:
                    layer.append(try BasicBlock(inChannels: inChannels, planes: planes, stride: s, downsample: d))
                case .bottleneck:
                    layer.append(try Bottleneck(inChannels: inChannels, planes: planes, stride: s, downsample: d,
                                                groups: groups, baseWidth: widthPerGroup))
                }
                inChannels = outChannels
            }
            return layer
        }
        layer1 = try makeLayer(planes: 64, blocks: layers[0], stride: 1)
        layer2 = try makeLayer(planes: 128, blocks: layers[1], stride: 2)
        layer3 = try makeLayer(planes: 256, blocks: layers[2], stride: 2)
        layer4 = try makeLayer(planes: 512, blocks: layers[3], stride: 2)
        avgpool = AdaptiveAvgPool2d(1)
        fc = try Linear(inFeatures: 512 * block.expansion, outFeatures: numClasses)
        super.init()
        try ClassicInit.kaimingNormalFanOutConvolutions(self)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        var h = try maxpool(relu(bn1(conv1(x))))
        h = try layer4(layer3(layer2(layer1(h))))
        return try avgpool(h).flattened()
    }

    public var head: Module { fc }
    public var stages: [Module] { [conv1, bn1, layer1, layer2, layer3, layer4, fc] }

    /// The zoo's ResNets, ResNeXt and wide ResNet with torchvision 0.29's ImageNet-1K weights,
    /// each default set first (the `IMAGENET1K_V2` sets resize to 232).
    static let zoo = [
        ModelSpec("resnet18", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/resnet18-f37072fd.pth",
                         mebibytes: 44.661, top1: 69.758, top5: 89.078, crop: 224),
        ]) { try resnet18(numClasses: $0) },
        ModelSpec("resnet34", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/resnet34-b627a593.pth",
                         mebibytes: 83.275, top1: 73.314, top5: 91.42, crop: 224),
        ]) { try resnet34(numClasses: $0) },
        ModelSpec("resnet50", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
                         mebibytes: 97.79, top1: 80.858, top5: 95.434, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/resnet50-0676ba61.pth",
                         mebibytes: 97.781, top1: 76.13, top5: 92.862, crop: 224),
        ]) { try resnet50(numClasses: $0) },
        ModelSpec("resnet101", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/resnet101-cd907fc2.pth",
                         mebibytes: 170.53, top1: 81.886, top5: 95.78, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/resnet101-63fe2227.pth",
                         mebibytes: 170.511, top1: 77.374, top5: 93.546, crop: 224),
        ]) { try resnet101(numClasses: $0) },
        ModelSpec("resnet152", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/resnet152-f82ba261.pth",
                         mebibytes: 230.474, top1: 82.284, top5: 96.002, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/resnet152-394f9c45.pth",
                         mebibytes: 230.434, top1: 78.312, top5: 94.046, crop: 224),
        ]) { try resnet152(numClasses: $0) },
        ModelSpec("resnext50_32x4d", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/resnext50_32x4d-1a0047aa.pth",
                         mebibytes: 95.833, top1: 81.198, top5: 95.34, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/resnext50_32x4d-7cdf4587.pth",
                         mebibytes: 95.789, top1: 77.618, top5: 93.698, crop: 224),
        ]) { try resnext50_32x4d(numClasses: $0) },
        ModelSpec("wide_resnet50_2", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/wide_resnet50_2-9ba9bcbe.pth",
                         mebibytes: 263.124, top1: 81.602, top5: 95.758, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth",
                         mebibytes: 131.82, top1: 78.468, top5: 94.086, crop: 224),
        ]) { try wide_resnet50_2(numClasses: $0) },
    ]

    /// ResNet-18: basic blocks 2-2-2-2.
    public static func resnet18(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .basic, layers: [2, 2, 2, 2], numClasses: numClasses)
    }

    /// ResNet-34: basic blocks 3-4-6-3.
    public static func resnet34(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .basic, layers: [3, 4, 6, 3], numClasses: numClasses)
    }

    /// ResNet-50: bottlenecks 3-4-6-3.
    public static func resnet50(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .bottleneck, layers: [3, 4, 6, 3], numClasses: numClasses)
    }

    /// ResNet-101: bottlenecks 3-4-23-3.
    public static func resnet101(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .bottleneck, layers: [3, 4, 23, 3], numClasses: numClasses)
    }

    /// ResNet-152: bottlenecks 3-8-36-3.
    public static func resnet152(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .bottleneck, layers: [3, 8, 36, 3], numClasses: numClasses)
    }

    /// ResNeXt-50 32×4d (Xie et al., 2017): bottlenecks 3-4-6-3 with 32 groups of width 4.
    public static func resnext50_32x4d(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .bottleneck, layers: [3, 4, 6, 3], numClasses: numClasses, groups: 32, widthPerGroup: 4)
    }

    /// Wide ResNet-50-2 (Zagoruyko & Komodakis, 2016): bottlenecks 3-4-6-3 twice as wide inside.
    public static func wide_resnet50_2(numClasses: Int = 1000) throws -> ResNet {
        try ResNet(block: .bottleneck, layers: [3, 4, 6, 3], numClasses: numClasses, widthPerGroup: 128)
    }
}
