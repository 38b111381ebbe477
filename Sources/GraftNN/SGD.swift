import GraftCore

/// Stochastic gradient descent with momentum, as `torch.optim.SGD`:
///
///     g = grad + weightDecay · p
///     buf = g at the first step, else momentum · buf + (1 − dampening) · g
///     g = g + momentum · buf if nesterov, else buf        (when momentum ≠ 0)
///     p = p − lr · g
public final class SGD: Optimizer {
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool

    /// Throws `GraftError.invalidArgument` for negative hyper-parameters, or Nesterov
    /// momentum without momentum or with dampening.
    public init(groups: [ParamGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) throws {
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        try super.init(groups: groups)
        guard momentum >= 0, dampening >= 0 else {
            throw GraftError.invalidArgument(op: "SGD", detail: "momentum \(momentum) and dampening \(dampening) must be non-negative")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw GraftError.invalidArgument(op: "SGD", detail: "Nesterov momentum needs a momentum and zero dampening")
        }
    }

    /// One group of parameters.
    public convenience init(parameters: [Tensor], lr: Float = 1e-3, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) throws {
        try self.init(groups: [ParamGroup(parameters: parameters, lr: lr, weightDecay: weightDecay)],
                      momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public override func update(_ param: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                                state: inout ParameterState, group: ParamGroup) throws {
        let (lr, wd, m, keep, nesterov) = (group.lr, group.weightDecay, momentum, 1 - dampening, nesterov)
        guard m != 0 else {
            forEachChunk(param.count) { r in
                for i in r { param[i] -= lr * (wd != 0 ? grad[i] + wd * param[i] : grad[i]) }
            }
            return
        }
        // One pass per element: gradient (+ decay), momentum buffer, step.
        let key = "momentum_buffer"
        let first = state.buffers[key] == nil
        var buffer = state.buffers.removeValue(forKey: key) ?? [Float](repeating: 0, count: param.count)
        buffer.withUnsafeMutableBufferPointer { buf in
            forEachChunk(param.count) { r in
                for i in r {
                    let g = wd != 0 ? grad[i] + wd * param[i] : grad[i]
                    let b = first ? g : m * buf[i] + keep * g
                    buf[i] = b
                    param[i] -= lr * (nesterov ? g + m * b : b)
                }
            }
        }
        state.buffers[key] = buffer
    }
}
