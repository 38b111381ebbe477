/// The kind of a graph node with its attributes, one case per GraftCore op (the public
/// functions of `Ops/`). Operands come in the op's argument order; optional operands are
/// present exactly when the attribute that names them says so.
public enum GraphOp: Sendable {
    /// `conv2d(x, weight, bias?, addend?)`: with `sum`, the convolution adds `addend` to its
    /// result before the activation, if any (a fused activation when traced from `conv2dReLU`).
    case conv2d(Conv2dConfig, hasBias: Bool, sum: Bool, activation: FusedActivation?)
    /// `conv2dBatchNormInference(x, weight, bias?, bnWeight?, bnBias?, runningMean, runningVar, addend?)`.
    case conv2dBatchNorm(Conv2dConfig, hasBias: Bool, affine: Bool, eps: Float, sum: Bool, activation: FusedActivation?)
    /// `batchNorm(x, weight?, bias?, runningMean, runningVar)`: on running statistics, or with
    /// `training` on the batch's, updating the running ones with `momentum`.
    case batchNorm(affine: Bool, eps: Float, relu: Bool, training: Bool, momentum: Float)
    /// `linear(x, weight, bias?)`.
    case linear(hasBias: Bool)
    /// `layerNorm2d(x, weight?, bias?)`.
    case layerNorm2d(affine: Bool, eps: Float)
    case relu, relu6, sigmoid, tanh, hardswish, silu, gelu, erf
    case hardsigmoid(alpha: Float, beta: Float)
    case leakyReLU(negativeSlope: Float)
    case clamp(min: Float, max: Float)
    /// `scale(x, by:)`.
    case scale(Float)
    /// `add(a, b)`, `sub(a, b)`, `mul(a, b)` and `div(a, b)`, broadcasting.
    case add, sub, mul, div
    case maxPool2d(Pool2dConfig)
    case avgPool2d(Pool2dConfig)
    case adaptiveAvgPool2d(outputSize: (Int, Int))
    case concat(axis: Int)
    case narrow(axis: Int, start: Int, length: Int)
    case channelShuffle(groups: Int)
    case localResponseNorm(size: Int, alpha: Float, beta: Float, k: Float)
    case transpose([Int])
    case pad(before: [Int], after: [Int], mode: PadMode, value: Float)
    /// `layerNorm(x, weight?, bias?)` over the axes from `axis` on.
    case layerNorm(axis: Int, eps: Float, affine: Bool)
    /// `mean(x, axes:keepDims:)`.
    case mean(axes: [Int], keepDims: Bool)
    case softmax(axis: Int)
    case logSoftmax(axis: Int)
    /// `reshaped(shape)` (and `flattened`, which reshapes).
    case reshape([Int])
    /// `dropout` and `stochasticDepth`: the input itself unless `training` (and `p` > 0), when
    /// they draw a mask from the generator `interpret`'s `random` gives the node's scope.
    case dropout(p: Float, training: Bool)
    case stochasticDepth(p: Float, mode: StochasticDepthMode, training: Bool)

    /// The op's name as `graft inspect --graph` prints it.
    public var name: String {
        switch self {
        case .conv2d: return "conv2d"
        case .conv2dBatchNorm: return "conv2d_batch_norm"
        case .batchNorm: return "batch_norm"
        case .linear: return "linear"
        case .layerNorm2d: return "layer_norm2d"
        case .relu: return "relu"
        case .relu6: return "relu6"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .hardswish: return "hardswish"
        case .hardsigmoid: return "hardsigmoid"
        case .erf: return "erf"
        case .clamp: return "clamp"
        case .sub: return "sub"
        case .div: return "div"
        case .transpose: return "transpose"
        case .pad: return "pad"
        case .layerNorm: return "layer_norm"
        case .mean: return "mean"
        case .silu: return "silu"
        case .gelu: return "gelu"
        case .leakyReLU: return "leaky_relu"
        case .scale: return "scale"
        case .add: return "add"
        case .mul: return "mul"
        case .maxPool2d: return "max_pool2d"
        case .avgPool2d: return "avg_pool2d"
        case .adaptiveAvgPool2d: return "adaptive_avg_pool2d"
        case .concat: return "concat"
        case .narrow: return "narrow"
        case .channelShuffle: return "channel_shuffle"
        case .localResponseNorm: return "local_response_norm"
        case .softmax: return "softmax"
        case .logSoftmax: return "log_softmax"
        case .reshape: return "reshape"
        case .dropout: return "dropout"
        case .stochasticDepth: return "stochastic_depth"
        }
    }

    /// The attributes as `key=value` words (empty for ops without any).
    public var attributes: [String] {
        func conv(_ c: Conv2dConfig) -> [String] {
            let p = c.padding
            return ["stride=\(c.stride.0)x\(c.stride.1)", "pad=\(p.top),\(p.left),\(p.bottom),\(p.right)"]
                + (c.dilation == (1, 1) ? [] : ["dilation=\(c.dilation.0)x\(c.dilation.1)"])
                + (c.groups == 1 ? [] : ["groups=\(c.groups)"])
        }
        func pool(_ c: Pool2dConfig) -> [String] {
            ["kernel=\(c.kernel.0)x\(c.kernel.1)", "stride=\(c.stride.0)x\(c.stride.1)", "pad=\(c.padding.0),\(c.padding.1)"]
                + (c.ceilMode ? ["ceil"] : []) + (c.countIncludePad ? [] : ["exclude_pad"])
        }
        func act(_ a: FusedActivation?) -> [String] { a.map { ["post=\($0.rawValue)"] } ?? [] }
        switch self {
        case .conv2d(let c, _, let sum, let a): return conv(c) + (sum ? ["post=sum"] : []) + act(a)
        case .conv2dBatchNorm(let c, _, _, let eps, let sum, let a): return conv(c) + ["eps=\(eps)"] + (sum ? ["post=sum"] : []) + act(a)
        case .batchNorm(_, let eps, let relu, let training, let momentum):
            return ["eps=\(eps)"] + (relu ? ["relu"] : []) + (training ? ["training", "momentum=\(momentum)"] : [])
        case .layerNorm2d(_, let eps): return ["eps=\(eps)"]
        case .leakyReLU(let s): return ["slope=\(s)"]
        case .scale(let s): return ["by=\(s)"]
        case .maxPool2d(let c), .avgPool2d(let c): return pool(c)
        case .adaptiveAvgPool2d(let s): return ["size=\(s.0)x\(s.1)"]
        case .concat(let axis), .softmax(let axis), .logSoftmax(let axis): return ["axis=\(axis)"]
        case .narrow(let axis, let start, let length): return ["axis=\(axis)", "start=\(start)", "length=\(length)"]
        case .channelShuffle(let g): return ["groups=\(g)"]
        case .localResponseNorm(let size, let alpha, let beta, let k): return ["size=\(size)", "alpha=\(alpha)", "beta=\(beta)", "k=\(k)"]
        case .reshape(let shape): return ["shape=" + shape.map(String.init).joined(separator: "x")]
        case .dropout(let p, let training): return ["p=\(p)"] + (training ? ["training"] : [])
        case .stochasticDepth(let p, let mode, let training): return ["p=\(p)", "mode=\(mode.rawValue)"] + (training ? ["training"] : [])
        case .hardsigmoid(let alpha, let beta): return ["alpha=\(alpha)", "beta=\(beta)"]
        case .clamp(let low, let high): return ["min=\(low)", "max=\(high)"]
        case .transpose(let perm): return ["perm=" + perm.map(String.init).joined(separator: ",")]
        case .pad(let before, let after, let mode, let value):
            return ["before=" + before.map(String.init).joined(separator: ","), "after=" + after.map(String.init).joined(separator: ","),
                    "mode=\(mode.rawValue)"] + (mode == .constant ? ["value=\(value)"] : [])
        case .layerNorm(let axis, let eps, _): return ["axis=\(axis)", "eps=\(eps)"]
        case .mean(let axes, let keepDims): return ["axes=" + axes.map(String.init).joined(separator: ",")] + (keepDims ? ["keepdims"] : [])
        case .linear, .relu, .relu6, .sigmoid, .tanh, .hardswish, .silu, .gelu, .erf, .add, .sub, .mul, .div: return []
        }
    }
}
