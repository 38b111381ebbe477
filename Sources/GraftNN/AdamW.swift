import GraftCore

/// AdamW, as `torch.optim.AdamW`: decoupled weight decay `p = p − lr · weightDecay · p`
/// before the Adam update, which then sees the plain gradient.
public final class AdamW: Optimizer {
    public let betas: (Float, Float)
    public let eps: Float

    /// Throws `GraftError.invalidArgument` for betas outside [0, 1) or a negative eps.
    public init(groups: [ParamGroup], betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8) throws {
        self.betas = betas
        self.eps = eps
        try super.init(groups: groups)
        try validateAdam("AdamW", betas, eps)
    }

    /// One group of parameters; the weight decay defaults to torch's 0.01.
    public convenience init(parameters: [Tensor], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 1e-2) throws {
        try self.init(groups: [ParamGroup(parameters: parameters, lr: lr, weightDecay: weightDecay)], betas: betas, eps: eps)
    }

    public override func update(_ param: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                                state: inout ParameterState, group: ParamGroup) throws {
        let decay = 1 - group.lr * group.weightDecay
        for i in param.indices { param[i] *= decay }
        adamUpdate(param, grad, &state, lr: group.lr, betas: betas, eps: eps, l2: 0)
    }
}
