import Foundation
import GraftCore
import GraftNN

/// RegNet's bottleneck transform, as torchvision's `BottleneckTransform`: `a` 1×1 convolution
/// with BN and ReLU, `b` 3×3 grouped convolution (groups of `groupWidth` channels, with the
/// stride) with BN and ReLU, `se` squeeze-and-excitation (ReLU, sigmoid) down to
/// round(seRatio · input channels), when a ratio is given, and `c` 1×1 convolution with BN.
public final class BottleneckTransform: Module {
    public let a: Sequential
    public let b: Sequential
    public let se: SqueezeExcitation?
    public let c: Sequential

    public init(inChannels: Int, outChannels: Int, stride: Int, groupWidth: Int, seRatio: Double?) throws {
        a = try conv2dNormActivation(inChannels, outChannels, kernelSize: 1, activation: ReLU())
        b = try conv2dNormActivation(outChannels, outChannels, stride: stride, groups: outChannels / groupWidth,
                                     activation: ReLU())
        se = try seRatio.map {
            try SqueezeExcitation(inputChannels: outChannels,
                                  squeezeChannels: Int(($0 * Double(inChannels)).rounded(.toNearestOrEven)),
                                  activation: ReLU())
        }
        c = try conv2dNormActivation(outChannels, outChannels, kernelSize: 1, activation: nil)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var h = try b(a(x))
        if let se { h = try se(h) }
        return try c(h)
    }
}

/// RegNet's block, as torchvision's `ResBottleneckBlock`: ReLU of the bottleneck transform `f`
/// plus the input, or plus `proj` (1×1 convolution with the stride, BN) when the stride or
/// the channel count changes.
public final class ResBottleneckBlock: Module {
    public let proj: Sequential?
    public let f: BottleneckTransform
    public let activation: ReLU

    public init(inChannels: Int, outChannels: Int, stride: Int, groupWidth: Int, seRatio: Double?) throws {
        proj = inChannels != outChannels || stride != 1
            ? try conv2dNormActivation(inChannels, outChannels, kernelSize: 1, stride: stride, activation: nil) : nil
        f = try BottleneckTransform(inChannels: inChannels, outChannels: outChannels, stride: stride,
                                    groupWidth: groupWidth, seRatio: seRatio)
        activation = ReLU()
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try activation(add(proj?(x) ?? x, f(x)))
    }
}

/// RegNet as torchvision builds it (`torchvision.models.regnet_y_400mf`), from Radosavovic et
/// al., "Designing Network Design Spaces" (2020). RegNetY-400MF (depth 16, w₀ 48, wₐ 27.89,
/// w_m 2.09, group width 8, squeeze-and-excitation ratio 0.25):
///
/// | module | layer | blocks | output (224×224 input) |
/// | --- | --- | --- | --- |
/// | stem | conv 3×3 stride 2, 32, BN, ReLU | | 32×112×112 |
/// | trunk_output.block1 | `ResBottleneckBlock`s of width 48, the first with stride 2 | 1 | 48×56×56 |
/// | trunk_output.block2 | width 104 | 3 | 104×28×28 |
/// | trunk_output.block3 | width 208 | 6 | 208×14×14 |
/// | trunk_output.block4 | width 440 | 6 | 440×7×7 |
/// | avgpool | global average pool, flatten | | 440 |
/// | fc | fc 440 → classes (the head) | | classes |
///
/// Block j of stage i is `trunk_output.block<i>.block<i>-<j>`. The widths and depths come from
/// the quantised linear rule (`blockParameters`); the bottleneck multiplier is 1.
///
/// Initialised as torchvision: convolution weights N(0, 2 / (k² · out channels)) (the
/// squeeze-and-excitation biases keep torch's default), BatchNorm weight 1 and bias 0, `fc`
/// N(0, 0.01²) with a zero bias.
public final class RegNet: Module, TransferModel {
    public let stem: Sequential
    /// The stages `block1` … `block4`, each a sequence of `ResBottleneckBlock`s.
    @ModuleInfo(key: "trunk_output") public var trunkOutput: Sequential
    public let avgpool: AdaptiveAvgPool2d
    /// The classification head (a `Linear` as built; after head surgery, whatever replaced it).
    @ModuleInfo public var fc: Module

    /// `stages` gives each stage's block count, width and group width; every stage starts with
    /// stride 2.
    public init(stages: [(depth: Int, width: Int, groupWidth: Int)], seRatio: Double?, stemWidth: Int = 32,
                numClasses: Int = 1000) throws {
        stem = try conv2dNormActivation(3, stemWidth, stride: 2, activation: ReLU())
        var inChannels = stemWidth
        var trunk: [(String, Module)] = []
        for (i, stage) in stages.enumerated() {
            var blocks: [(String, Module)] = []
            for j in 0..<stage.depth {
                blocks.append(("block\(i + 1)-\(j)",
                               try ResBottleneckBlock(inChannels: j == 0 ? inChannels : stage.width, outChannels: stage.width,
                                                      stride: j == 0 ? 2 : 1, groupWidth: stage.groupWidth, seRatio: seRatio)))
            }
            trunk.append(("block\(i + 1)", Sequential(named: blocks)))
            inChannels = stage.width
        }
        _trunkOutput.wrappedValue = Sequential(named: trunk)
        avgpool = AdaptiveAvgPool2d(1)
        fc = try Linear(inFeatures: inChannels, outFeatures: numClasses)
        super.init()
        for conv in ClassicInit.convolutions(self) {
            try Init.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: .relu)
        }
        try ClassicInit.normalLinears(self, std: 0.01)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        try avgpool(trunkOutput(stem(x))).flattened()
    }

    public var head: Module { fc }
    public var stages: [Module] { [stem] + trunkOutput.layers + [fc] }

    /// The stages of the quantised linear rule, as torchvision's `BlockParams.from_init_params`
    /// (in float32, as torch computes it): block k's width w₀ + k · wₐ is moved to the nearest
    /// w₀ · w_mˢ (integer s), rounded to a multiple of 8, and consecutive blocks of one width
    /// form a stage; widths are then made divisible by the group width.
    static func blockParameters(depth: Int, w0: Int, wa: Float, wm: Float, groupWidth: Int)
        -> [(depth: Int, width: Int, groupWidth: Int)] {
        let w0f = Float(w0)
        let widths = (0..<depth).map { k -> Int in
            let continuous = Float(k) * wa + w0f
            let capacity = (log(continuous / w0f) / log(wm)).rounded(.toNearestOrEven)
            return Int((w0f * pow(wm, capacity) / 8).rounded(.toNearestOrEven) * 8)
        }
        var stages: [(depth: Int, width: Int, groupWidth: Int)] = []
        for width in widths {
            if let last = stages.last, last.width == width {
                stages[stages.count - 1].depth += 1
            } else {
                stages.append((1, width, groupWidth))
            }
        }
        return stages.map { stage in
            let group = min(stage.groupWidth, stage.width)
            return (stage.depth, makeDivisible(Double(stage.width), group), group)
        }
    }

    /// RegNetY-400MF: depth 16, w₀ 48, wₐ 27.89, w_m 2.09, group width 8, SE ratio 0.25.
    public static func regnet_y_400mf(numClasses: Int = 1000) throws -> RegNet {
        try RegNet(stages: blockParameters(depth: 16, w0: 48, wa: 27.89, wm: 2.09, groupWidth: 8), seRatio: 0.25,
                   numClasses: numClasses)
    }

    /// RegNetY-400MF with torchvision 0.29's ImageNet-1K weights, its default set (`IMAGENET1K_V2`,
    /// resize 232) first.
    static let zoo = [
        ModelSpec("regnet_y_400mf", weights: [
            .torchvision("IMAGENET1K_V2", url: "https://download.pytorch.org/models/regnet_y_400mf-e6988f5f.pth",
                         mebibytes: 16.806, top1: 75.804, top5: 92.742, crop: 224, resize: 232),
            .torchvision("IMAGENET1K_V1", url: "https://download.pytorch.org/models/regnet_y_400mf-c65dace8.pth",
                         mebibytes: 16.806, top1: 74.046, top5: 91.716, crop: 224),
        ]) { try regnet_y_400mf(numClasses: $0) },
    ]
}
