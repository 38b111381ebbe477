import GraftCore
import GraftNN

/// `torch.nn.Linear` applied to the channels of every pixel of `[N, C, H, W]`, as ConvNeXt's
/// blocks apply their fully connected layers between two permutes: parameters "weight"
/// `[out, in]` and "bias" `[out]` (torch's `Linear` shapes), run as a 1×1 convolution with
/// the weight viewed as `[out, in, 1, 1]`.
public final class PixelwiseLinear: Module {
    public let inFeatures: Int
    public let outFeatures: Int

    /// The weight matrix `[out, in]`.
    @ParameterInfo public var weight: Tensor
    /// The bias `[out]`.
    @ParameterInfo public var bias: Tensor

    /// Initialised as torch's `Linear`. Throws `GraftError.invalidArgument` for non-positive sizes.
    public init(inFeatures: Int, outFeatures: Int) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw GraftError.invalidArgument(op: "PixelwiseLinear", detail: "feature counts must be positive, got in \(inFeatures), out \(outFeatures)")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Tensor(uninitialized: [outFeatures, inFeatures])
        bias = Tensor(uninitialized: [outFeatures])
        super.init()
        try Init.layerDefault(weight: weight, bias: bias)
    }

    /// `x` `[N, in, H, W]` → `[N, out, H, W]`.
    public override func forward(_ x: Tensor) throws -> Tensor {
        try conv2d(x, weight: weight.reshaped([outFeatures, inFeatures, 1, 1]), bias: bias, Conv2dConfig())
    }
}

/// ConvNeXt's block, as torchvision's `CNBlock`: `input + stochastic_depth(layer_scale · block(input))`
/// where `block` is
///
/// | module | layer | output |
/// | --- | --- | --- |
/// | block.0 | depthwise conv 7×7 pad 3 | dim×H×W |
/// | block.1 | torchvision's `Permute` to channels last | |
/// | block.2 | LayerNorm over channels, eps 1e-6 | dim×H×W |
/// | block.3 | fc dim → 4·dim | 4·dim×H×W |
/// | block.4 | GELU | 4·dim×H×W |
/// | block.5 | fc 4·dim → dim | dim×H×W |
/// | block.6 | torchvision's `Permute` back | |
///
/// Graft runs the LayerNorm and the fully connected layers over the channels of
/// `[N, C, H, W]` (`LayerNorm2d`, `PixelwiseLinear`), so the two permutes are `Identity`
/// layers that keep torchvision's indices. `layer_scale` is `[dim, 1, 1]`.
public final class CNBlock: Module {
    /// The per-channel scale of the residual branch `[dim, 1, 1]`.
    @ParameterInfo(key: "layer_scale") public var layerScale: Tensor
    public let block: Sequential
    @ModuleInfo(key: "stochastic_depth") public var stochasticDepth: StochasticDepth
    public let dim: Int

    /// `layerScale` is the initial value of every `layer_scale` entry; `stochasticDepthProbability`
    /// the probability of dropping the residual branch per sample while training.
    public init(dim: Int, layerScale: Float, stochasticDepthProbability: Float) throws {
        self.dim = dim
        _layerScale.wrappedValue = Tensor(shape: [dim, 1, 1], data: [Float](repeating: layerScale, count: dim))
        block = Sequential(
            try Conv2d(inChannels: dim, outChannels: dim, kernelSize: 7, padding: 3, groups: dim),
            Identity(),
            LayerNorm2d(dim, eps: 1e-6),
            try PixelwiseLinear(inFeatures: dim, outFeatures: 4 * dim),
            GELU(),
            try PixelwiseLinear(inFeatures: 4 * dim, outFeatures: dim),
            Identity())
        _stochasticDepth.wrappedValue = StochasticDepth(p: stochasticDepthProbability, mode: .row)
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        let scaled = try mul(layerScale.reshaped([1, dim, 1, 1]), block(input))
        return try add(stochasticDepth(scaled), input)
    }
}
