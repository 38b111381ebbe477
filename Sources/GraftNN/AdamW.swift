import GraftCore

/// AdamW, as `torch.optim.AdamW`: decoupled weight decay `p = p − lr · weightDecay · p`
/// before the Adam update, which then sees the plain gradient.
public final class AdamW: Adam {
    /// Throws `GraftError.invalidArgument` for betas outside [0, 1) or a negative eps.
    public convenience init(groups: [ParamGroup], betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8) throws {
        try self.init(groups: groups, betas: betas, eps: eps, decoupledWeightDecay: true)
    }

    /// One group of parameters; the weight decay defaults to torch's 0.01.
    public convenience init(parameters: [Tensor], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 1e-2) throws {
        try self.init(groups: [ParamGroup(parameters: parameters, lr: lr, weightDecay: weightDecay)], betas: betas, eps: eps)
    }
}
