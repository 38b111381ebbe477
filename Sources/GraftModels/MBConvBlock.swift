import GraftCore
import GraftNN

/// The mobile inverted bottleneck of EfficientNet-Lite (MBConv without squeeze-and-excitation),
/// with the parameter names of the EfficientNet-PyTorch checkpoints:
///
/// | layer | output |
/// | --- | --- |
/// | `_expand_conv` 1×1 (only when `expandRatio` ≠ 1), `_bn0`, ReLU6 | in·e channels |
/// | `_depthwise_conv` k×k / stride, one filter per channel, `_bn1`, ReLU6 | in·e channels |
/// | `_project_conv` 1×1, `_bn2` (linear bottleneck) | out channels |
///
/// plus the input (identity skip) when stride is 1 and in = out channels. Convolutions have no
/// bias; BatchNorm uses TensorFlow's eps 0.001 and momentum 0.99 (torch momentum 0.01).
public final class MBConvBlock: Module {
    /// Absent when the expansion ratio is 1 (then `bn0` is absent too).
    @ModuleInfo(key: "_expand_conv") public var expandConv: PaddedConv2d?
    @ModuleInfo(key: "_bn0") public var bn0: BatchNorm2d?
    @ModuleInfo(key: "_depthwise_conv") public var depthwiseConv: PaddedConv2d
    @ModuleInfo(key: "_bn1") public var bn1: BatchNorm2d
    @ModuleInfo(key: "_project_conv") public var projectConv: PaddedConv2d
    @ModuleInfo(key: "_bn2") public var bn2: BatchNorm2d
    /// Whether the block adds its input to its output.
    public let hasSkip: Bool

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, expandRatio: Int,
                padding: ConvPadding) throws {
        let mid = inChannels * expandRatio
        if expandRatio != 1 {
            _expandConv.wrappedValue = try PaddedConv2d(inChannels: inChannels, outChannels: mid, kernelSize: 1, padding: padding, bias: false)
            _bn0.wrappedValue = MBConvBlock.batchNorm(mid)
        } else {
            _expandConv.wrappedValue = nil
            _bn0.wrappedValue = nil
        }
        _depthwiseConv.wrappedValue = try PaddedConv2d(inChannels: mid, outChannels: mid, kernelSize: kernelSize, stride: stride,
                                         groups: mid, padding: padding, bias: false)
        _bn1.wrappedValue = MBConvBlock.batchNorm(mid)
        _projectConv.wrappedValue = try PaddedConv2d(inChannels: mid, outChannels: outChannels, kernelSize: 1, padding: padding, bias: false)
        _bn2.wrappedValue = MBConvBlock.batchNorm(outChannels)
        hasSkip = stride == 1 && inChannels == outChannels
        super.init()
    }

    /// EfficientNet's batch normalisation: TensorFlow's eps 0.001 and decay 0.99.
    static func batchNorm(_ channels: Int) -> BatchNorm2d {
        BatchNorm2d(channels, eps: 1e-3, momentum: 0.01)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        if let expandConv, let bn0 { x = try relu6(bn0(expandConv(x))) }
        x = try relu6(bn1(depthwiseConv(x)))
        x = try bn2(projectConv(x))
        return hasSkip ? try add(x, input) : x
    }
}
