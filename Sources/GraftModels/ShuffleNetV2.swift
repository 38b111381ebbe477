import GraftCore
import GraftNN

/// ShuffleNet-v2's unit (torchvision's `shufflenetv2.InvertedResidual`). With stride 1 the
/// input's channels are split in two halves (`chunk`): the first passes unchanged, the second
/// goes through `branch2`; with stride 2 the whole input goes through both branches. The two
/// results are concatenated and their channels shuffled with 2 groups.
///
/// | branch | layers |
/// | --- | --- |
/// | `branch1` (stride 2 only; empty otherwise) | 3×3 depthwise / 2, BN, 1×1 conv to out/2, BN, ReLU |
/// | `branch2` | 1×1 conv to out/2, BN, ReLU, 3×3 depthwise / stride, BN, 1×1 conv, BN, ReLU |
///
/// Convolutions have no bias.
public final class ShuffleNetV2Block: Module {
    public let stride: Int
    public let branch1: Sequential
    public let branch2: Sequential

    /// `stride` is 1 or 2; with stride 1, `inChannels` must equal `outChannels` (even).
    public init(inChannels: Int, outChannels: Int, stride: Int) throws {
        let branch = outChannels / 2
        guard stride == 1 || stride == 2, outChannels % 2 == 0, stride == 2 || inChannels == outChannels else {
            throw GraftError.invalidArgument(op: "ShuffleNetV2Block", detail: "needs stride 1 or 2, even output channels, "
                                             + "and equal channels with stride 1, got stride \(stride), \(inChannels) → \(outChannels)")
        }
        self.stride = stride
        if stride == 2 {
            branch1 = Sequential(
                try Conv2d(inChannels: inChannels, outChannels: inChannels, kernelSize: 3, stride: 2, padding: 1,
                           groups: inChannels, bias: false),
                BatchNorm2d(inChannels),
                try Conv2d(inChannels: inChannels, outChannels: branch, kernelSize: 1, bias: false),
                BatchNorm2d(branch),
                ReLU())
        } else {
            branch1 = Sequential()
        }
        branch2 = Sequential(
            try Conv2d(inChannels: stride == 2 ? inChannels : branch, outChannels: branch, kernelSize: 1, bias: false),
            BatchNorm2d(branch),
            ReLU(),
            try Conv2d(inChannels: branch, outChannels: branch, kernelSize: 3, stride: stride, padding: 1, groups: branch,
                       bias: false),
            BatchNorm2d(branch),
            try Conv2d(inChannels: branch, outChannels: branch, kernelSize: 1, bias: false),
            BatchNorm2d(branch),
            ReLU())
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let joined: Tensor
        if stride == 1 {
            let halves = try chunk(x, 2, axis: 1)
            joined = try concat([halves[0], branch2(halves[1])], axis: 1)
        } else {
            joined = try concat([branch1(x), branch2(x)], axis: 1)
        }
        return try channelShuffle(joined, groups: 2)
    }
}

/// ShuffleNet-v2 as torchvision builds it (`torchvision.models.shufflenet_v2_x1_0`), from Ma et
/// al., "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design" (2018),
/// Table 5 (width 1×):
///
/// | module | layer | repeats | output (224×224 input) |
/// | --- | --- | --- | --- |
/// | conv1 | conv 3×3 stride 2 pad 1, 24, BN, ReLU | 1 | 24×112×112 |
/// | maxpool | max pool 3×3 stride 2 pad 1 | 1 | 24×56×56 |
/// | stage2 | units of 116 channels, the first with stride 2 | 4 | 116×28×28 |
/// | stage3 | units of 232 channels, the first with stride 2 | 8 | 232×14×14 |
/// | stage4 | units of 464 channels, the first with stride 2 | 4 | 464×7×7 |
/// | conv5 | conv 1×1, 1024, BN, ReLU | 1 | 1024×7×7 |
/// | – | global average pool | | 1024 |
/// | fc | fc 1024 → classes (the head) | | classes |
///
/// with `ShuffleNetV2Block` units. Initialised as torchvision: torch's defaults for `Conv2d` and
/// `Linear`, BatchNorm weight 1 and bias 0.
public final class ShuffleNetV2: Module, TransferModel {
    public let conv1: Sequential
    public let maxpool: MaxPool2d
    public let stage2: Sequential, stage3: Sequential, stage4: Sequential
    public let conv5: Sequential
    /// The classification head (a `Linear` as built; after head surgery, whatever replaced it).
    @ModuleInfo public var fc: Module

    /// `repeats` gives the number of units of stage2–4, `channels` the output channels of
    /// conv1, stage2–4 and conv5.
    public init(repeats: [Int], channels: [Int], numClasses: Int = 1000) throws {
        guard repeats.count == 3, repeats.allSatisfy({ $0 > 0 }), channels.count == 5 else {
            throw GraftError.invalidArgument(op: "ShuffleNetV2", detail: "needs three positive repeats and five channel counts, "
                                             + "got \(repeats) and \(channels)")
        }
        conv1 = Sequential(try Conv2d(inChannels: 3, outChannels: channels[0], kernelSize: 3, stride: 2, padding: 1, bias: false),
                           BatchNorm2d(channels[0]), ReLU())
        maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var inChannels = channels[0]
        func makeStage(_ units: Int, _ outChannels: Int) throws -> Sequential {
            let stage = Sequential([try ShuffleNetV2Block(inChannels: inChannels, outChannels: outChannels, stride: 2)])
            for _ in 1..<units { stage.append(try ShuffleNetV2Block(inChannels: outChannels, outChannels: outChannels, stride: 1)) }
            inChannels = outChannels
            return stage
        }
        stage2 = try makeStage(repeats[0], channels[1])
        stage3 = try makeStage(repeats[1], channels[2])
        stage4 = try makeStage(repeats[2], channels[3])
        conv5 = Sequential(try Conv2d(inChannels: inChannels, outChannels: channels[4], kernelSize: 1, bias: false),
                           BatchNorm2d(channels[4]), ReLU())
        fc = try Linear(inFeatures: channels[4], outFeatures: numClasses)
        super.init()
    }

    /// ShuffleNet-v2 1×: 4-8-4 units, channels 24, 116, 232, 464, 1024.
    public static func x1_0(numClasses: Int = 1000) throws -> ShuffleNetV2 {
        try ShuffleNetV2(repeats: [4, 8, 4], channels: [24, 116, 232, 464, 1024], numClasses: numClasses)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        let h = try conv5(stage4(stage3(stage2(maxpool(conv1(x))))))
        return try adaptiveAvgPool2d(h, outputSize: (1, 1)).flattened()
    }

    public var head: Module { fc }
    public var stages: [Module] { [conv1, stage2, stage3, stage4, conv5, fc] }

    /// torchvision's ShuffleNet-v2 1× with torchvision 0.29's ImageNet-1K weights.
    static let zoo = [
        ModelSpec("shufflenet_v2_x1_0", weights: [
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/shufflenetv2_x1-5666bf0f80.pth",
                         mebibytes: 8.791, top1: 69.362, top5: 88.316, crop: 224),
        ]) { try ShuffleNetV2.x1_0(numClasses: $0) },
    ]
}
