import Foundation
import GraftCore

/// Adam, as `torch.optim.Adam` (weight decay is L2: added to the gradient):
///
///     g = grad + weightDecay · p
///     m = β₁ · m + (1 − β₁) · g,   v = β₂ · v + (1 − β₂) · g²
///     p = p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)
public class Adam: Optimizer {
    public let betas: (Float, Float)
    public let eps: Float
    /// AdamW's decoupled weight decay instead of Adam's L2 term.
    let decoupledWeightDecay: Bool

    /// Throws `GraftError.invalidArgument` for betas outside [0, 1) or a negative eps.
    public convenience init(groups: [ParamGroup], betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8) throws {
        try self.init(groups: groups, betas: betas, eps: eps, decoupledWeightDecay: false)
    }

    init(groups: [ParamGroup], betas: (Float, Float), eps: Float, decoupledWeightDecay: Bool) throws {
        self.betas = betas
        self.eps = eps
        self.decoupledWeightDecay = decoupledWeightDecay
        try super.init(groups: groups)
        guard (0..<1).contains(betas.0), (0..<1).contains(betas.1), eps >= 0 else {
            throw GraftError.invalidArgument(op: typeName, detail: "betas \(betas) must lie in [0, 1) and eps \(eps) be non-negative")
        }
    }

    /// One group of parameters.
    public convenience init(parameters: [Tensor], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 0) throws {
        try self.init(groups: [ParamGroup(parameters: parameters, lr: lr, weightDecay: weightDecay)], betas: betas, eps: eps)
    }

    public override func update(_ param: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                                state: inout ParameterState, group: ParamGroup) throws {
        if decoupledWeightDecay {
            let decay = 1 - group.lr * group.weightDecay
            forEachChunk(param.count) { r in for i in r { param[i] *= decay } }
        }
        adamUpdate(param, grad, &state, lr: group.lr, betas: betas, eps: eps, l2: decoupledWeightDecay ? 0 : group.weightDecay)
    }
}

/// The Adam moment update and step shared by Adam and AdamW, in torch's order of operations.
/// `l2` is added to the gradient as `l2 · p` (Adam's weight decay).
func adamUpdate(_ p: UnsafeMutableBufferPointer<Float>, _ grad: UnsafeBufferPointer<Float>, _ state: inout Optimizer.ParameterState,
                lr: Float, betas: (Float, Float), eps: Float, l2: Float) {
    let (b1, b2) = betas
    if state.buffers["exp_avg"] == nil {
        state.buffers["exp_avg"] = [Float](repeating: 0, count: p.count)
        state.buffers["exp_avg_sq"] = [Float](repeating: 0, count: p.count)
    }
    let t = Double(state.step)
    let stepSize = Float(Double(lr) / (1 - pow(Double(b1), t)))
    let bc2Sqrt = Float((1 - pow(Double(b2), t)).squareRoot())
    var m = state.buffers.removeValue(forKey: "exp_avg")!
    var v = state.buffers.removeValue(forKey: "exp_avg_sq")!
    m.withUnsafeMutableBufferPointer { m in
        v.withUnsafeMutableBufferPointer { v in
            forEachChunk(p.count) { r in
                for i in r {
                    let g = l2 != 0 ? grad[i] + l2 * p[i] : grad[i]
                    m[i] += (g - m[i]) * (1 - b1)
                    v[i] = v[i] * b2 + (1 - b2) * g * g
                    p[i] -= stepSize * (m[i] / (v[i].squareRoot() / bc2Sqrt + eps))
                }
            }
        }
    }
    state.buffers["exp_avg"] = m
    state.buffers["exp_avg_sq"] = v
}
