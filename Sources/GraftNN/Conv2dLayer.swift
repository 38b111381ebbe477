import GraftCore

/// A 2-D convolution layer, as `torch.nn.Conv2d`: parameters "weight"
/// `[out, in/groups, kh, kw]` and, unless `bias: false`, "bias" `[out]`, initialised as
/// torch does (`Init.layerDefault`) from `GlobalRandom.generator`.
public final class Conv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    /// Kernel height and width.
    public let kernelSize: (Int, Int)
    /// Stride, padding, dilation and groups.
    public let config: Conv2dConfig

    /// The filter bank `[out, in/groups, kh, kw]`.
    @ParameterInfo public var weight: Tensor
    /// The per-channel bias `[out]`, if the layer has one.
    @ParameterInfo public var bias: Tensor?

    /// The general form: rectangular kernel, stride and dilation, and padding per side.
    /// Throws `GraftError.invalidArgument` for non-positive sizes or channels not divisible by `groups`.
    public init(inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: Padding2d = .zero, dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) throws {
        let op = "Conv2d"
        guard inChannels > 0, outChannels > 0, kernelSize.0 > 0, kernelSize.1 > 0 else {
            throw GraftError.invalidArgument(op: op, detail: "channels and kernel size must be positive, got in \(inChannels), out \(outChannels), kernel \(kernelSize)")
        }
        guard stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0,
              min(padding.top, padding.left, padding.bottom, padding.right) >= 0 else {
            throw GraftError.invalidArgument(op: op, detail: "stride and dilation must be positive and padding non-negative")
        }
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw GraftError.invalidArgument(op: op, detail: "in (\(inChannels)) and out (\(outChannels)) channels must be divisible by groups (\(groups))")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        config = Conv2dConfig(stride: stride, padding: padding, dilation: dilation, groups: groups)
        weight = Tensor(uninitialized: [outChannels, inChannels / groups, kernelSize.0, kernelSize.1])
        self.bias = bias ? Tensor(uninitialized: [outChannels]) : nil
        super.init()
        try resetParameters()
    }

    /// Square kernel, equal strides, dilations and symmetric padding on all sides.
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) throws {
        try self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize),
                      stride: (stride, stride), padding: .symmetric(padding), dilation: (dilation, dilation),
                      groups: groups, bias: bias)
    }

    /// Square kernel with per-side padding (TensorFlow "same" padding, for instance).
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding2d,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) throws {
        try self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize),
                      stride: (stride, stride), padding: padding, dilation: (dilation, dilation),
                      groups: groups, bias: bias)
    }

    /// Rectangular kernel with `(h, w)` padding, as torch's `padding=(h, w)`.
    public convenience init(inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                            padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) throws {
        try self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                      padding: Padding2d(padding.0, padding.1), dilation: dilation, groups: groups, bias: bias)
    }

    /// Re-draws the weight and bias as torch's `reset_parameters`.
    public func resetParameters(using generator: inout RandomGenerator) throws {
        try Init.layerDefault(weight: weight, bias: bias, using: &generator)
    }

    /// Re-draws the weight and bias from `GlobalRandom.generator`.
    public func resetParameters() throws {
        try resetParameters(using: &GlobalRandom.generator)
    }

    /// `conv2d(x, weight, bias)` for `x` `[N, inChannels, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        try conv2d(x, weight: weight, bias: bias, config)
    }
}
