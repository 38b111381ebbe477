import GraftCore
import GraftNN

/// torchvision's `downsample` branch: a 1×1 convolution (with the block's stride) and
/// BatchNorm, as "downsample.0" and "downsample.1".
func resNetDownsample(inChannels: Int, outChannels: Int, stride: Int) throws -> Sequential {
    Sequential(try Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false),
               BatchNorm2d(outChannels))
}

/// ResNet-18/34's block, as torchvision's `BasicBlock`: 3×3 conv (with the stride), BN, ReLU,
/// 3×3 conv, BN, plus the shortcut (`downsample` when the shape changes), then ReLU.
public final class BasicBlock: Module {
    /// Output channels per input channel of the block's width.
    public static let expansion = 1
    public let conv1: Conv2d, bn1: BatchNorm2d, relu: ReLU, conv2: Conv2d, bn2: BatchNorm2d
    public let downsample: Sequential?

    public init(inChannels: Int, planes: Int, stride: Int = 1, downsample: Sequential? = nil) throws {
        conv1 = try Conv2d(inChannels: inChannels, outChannels: planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm2d(planes)
        relu = ReLU()
        conv2 = try Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(planes)
        self.downsample = downsample
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var out = try relu(bn1(conv1(x)))
        out = try bn2(conv2(out))
        return try relu(out + (downsample?(x) ?? x))
    }
}

/// ResNet-50/101/152's block, as torchvision's `Bottleneck` (ResNet v1.5: the stride sits on
/// the 3×3 convolution): 1×1 conv to `width`, BN, ReLU, 3×3 grouped conv (with the stride),
/// BN, ReLU, 1×1 conv to `planes · 4`, BN, plus the shortcut, then ReLU. The width is
/// `planes · baseWidth / 64 · groups` (ResNeXt's cardinality, wide ResNet's doubled width).
public final class Bottleneck: Module {
    /// Output channels per `planes`.
    public static let expansion = 4
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    public let relu: ReLU
    public let downsample: Sequential?

    public init(inChannels: Int, planes: Int, stride: Int = 1, downsample: Sequential? = nil,
                groups: Int = 1, baseWidth: Int = 64) throws {
        let width = Int(Double(planes) * (Double(baseWidth) / 64)) * groups
        conv1 = try Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false)
        bn1 = BatchNorm2d(width)
        conv2 = try Conv2d(inChannels: width, outChannels: width, kernelSize: 3, stride: stride, padding: 1,
                           groups: groups, bias: false)
        bn2 = BatchNorm2d(width)
        conv3 = try Conv2d(inChannels: width, outChannels: planes * Bottleneck.expansion, kernelSize: 1, bias: false)
        bn3 = BatchNorm2d(planes * Bottleneck.expansion)
        relu = ReLU()
        self.downsample = downsample
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        var out = try relu(bn1(conv1(x)))
        out = try relu(bn2(conv2(out)))
        out = try bn3(conv3(out))
        return try relu(out + (downsample?(x) ?? x))
    }
}
