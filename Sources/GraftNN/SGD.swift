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
        let (lr, wd) = (group.lr, group.weightDecay)
        var d = [Float](repeating: 0, count: param.count)
        for i in d.indices { d[i] = wd != 0 ? grad[i] + wd * param[i] : grad[i] }
        if momentum != 0 {
            let key = "momentum_buffer"
            if state.buffers[key] == nil {
                state.buffers[key] = d
            } else {
                let (m, keep) = (momentum, 1 - dampening)
                state.buffers[key]!.withUnsafeMutableBufferPointer { buf in
                    for i in buf.indices { buf[i] = m * buf[i] + keep * d[i] }
                }
            }
            let buf = state.buffers[key]!
            for i in d.indices { d[i] = nesterov ? d[i] + momentum * buf[i] : buf[i] }
        }
        for i in param.indices { param[i] -= lr * d[i] }
    }
}
