import GraftCore
import GraftNN

/// How a `PaddedConv2d` pads its input.
public enum ConvPadding: Sendable, Equatable {
    /// PyTorch's `padding = (k − 1)·d / 2` on every side, whatever the input size.
    case symmetric
    /// TensorFlow's `padding="SAME"`: the output has ⌈input / stride⌉ positions and the padding
    /// that needs, split with the extra pixel at the bottom/right (for stride 2 on an even
    /// input, a 3×3 kernel gets 0 rows above and 1 below, a 5×5 one 1 and 2). Computed from each
    /// input's size.
    case tensorFlowSame

    /// The padding of a kernel `(kh, kw)` with stride `(sh, sw)` and dilation `(dh, dw)` on an
    /// input of `height` × `width`.
    public func padding(height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int),
                        dilation: (Int, Int) = (1, 1)) -> Padding2d {
        func sides(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let span = (k - 1) * d + 1
            switch self {
            case .symmetric:
                return ((span - 1) / 2, (span - 1) / 2)
            case .tensorFlowSame:
                let out = (n + s - 1) / s
                let total = max((out - 1) * s + span - n, 0)
                return (total / 2, total - total / 2)
            }
        }
        let (top, bottom) = sides(height, kernel.0, stride.0, dilation.0)
        let (left, right) = sides(width, kernel.1, stride.1, dilation.1)
        return Padding2d(top: top, left: left, bottom: bottom, right: right)
    }
}

/// A square 2-D convolution whose padding follows a `ConvPadding` rule, computed from each
/// input's height and width: the convolution of TensorFlow-trained models such as
/// EfficientNet-Lite. Parameters as `Conv2d`: "weight" `[out, in/groups, k, k]` and, unless
/// `bias: false`, "bias" `[out]`, initialised as torch's default.
public final class PaddedConv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let groups: Int
    public let paddingRule: ConvPadding

    /// The filter bank `[out, in/groups, k, k]`.
    @ParameterInfo public var weight: Tensor
    /// The per-channel bias `[out]`, if the layer has one.
    @ParameterInfo public var bias: Tensor?

    /// Throws `GraftError.invalidArgument` for non-positive sizes or channels not divisible by `groups`.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, groups: Int = 1,
                padding: ConvPadding, bias: Bool = true) throws {
        guard inChannels > 0, outChannels > 0, kernelSize > 0, stride > 0 else {
            throw GraftError.invalidArgument(op: "PaddedConv2d", detail: "channels, kernel size and stride must be positive, got in \(inChannels), out \(outChannels), kernel \(kernelSize), stride \(stride)")
        }
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw GraftError.invalidArgument(op: "PaddedConv2d", detail: "in (\(inChannels)) and out (\(outChannels)) channels must be divisible by groups (\(groups))")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.groups = groups
        paddingRule = padding
        weight = Tensor(uninitialized: [outChannels, inChannels / groups, kernelSize, kernelSize])
        self.bias = bias ? Tensor(uninitialized: [outChannels]) : nil
        super.init()
        try Init.layerDefault(weight: weight, bias: self.bias)
    }

    /// `conv2d(x, weight, bias)` for `x` `[N, inChannels, H, W]`, padded for its H and W.
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.shape.count == 4 else {
            throw GraftError.shapeMismatch(op: "PaddedConv2d", detail: "input must be [N, C, H, W]; input vs weight",
                                           lhs: x.shape, rhs: weight.shape)
        }
        let padding = paddingRule.padding(height: x.shape[2], width: x.shape[3], kernel: (kernelSize, kernelSize),
                                          stride: (stride, stride))
        return try conv2d(x, weight: weight, bias: bias,
                          Conv2dConfig(stride: (stride, stride), padding: padding, groups: groups))
    }
}
