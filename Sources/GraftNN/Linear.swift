import GraftCore

/// A fully connected layer, as `torch.nn.Linear`: y = x·Wᵀ + b with parameters "weight"
/// `[out, in]` and, unless `bias: false`, "bias" `[out]`, initialised as torch does.
public final class Linear: Module {
    public let inFeatures: Int
    public let outFeatures: Int

    /// The weight matrix `[out, in]`.
    @ParameterInfo public var weight: Tensor
    /// The bias `[out]`, if the layer has one.
    @ParameterInfo public var bias: Tensor?

    /// Throws `GraftError.invalidArgument` for non-positive sizes.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw GraftError.invalidArgument(op: "Linear", detail: "feature counts must be positive, got in \(inFeatures), out \(outFeatures)")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Tensor(uninitialized: [outFeatures, inFeatures])
        self.bias = bias ? Tensor(uninitialized: [outFeatures]) : nil
        super.init()
        try Init.layerDefault(weight: weight, bias: self.bias)
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try linear(x, weight: weight, bias: bias)
    }
}
