import GraftCore

/// Parameters that share a learning rate and a weight decay (torch's `param_groups`
/// entries): a fine-tuned backbone and a fresh head typically get one each.
public struct ParamGroup {
    public var parameters: [Tensor]
    public var lr: Float
    public var weightDecay: Float
    /// A label for logs ("backbone", "head").
    public var name: String

    public init(parameters: [Tensor], lr: Float, weightDecay: Float = 0, name: String = "") {
        self.parameters = parameters
        self.lr = lr
        self.weightDecay = weightDecay
        self.name = name
    }
}

/// Everything an optimizer needs to resume exactly: the groups' learning rates and weight
/// decays, and each parameter's step count and buffers (momentum, moments), keyed by group
/// index and parameter index within the group.
public struct OptimizerState: Codable, Equatable, Sendable {
    public struct Group: Codable, Equatable, Sendable {
        public var lr: Float
        public var weightDecay: Float
        /// The shapes of the group's parameters, checked on loading.
        public var shapes: [[Int]]

        public init(lr: Float, weightDecay: Float, shapes: [[Int]]) {
            self.lr = lr; self.weightDecay = weightDecay; self.shapes = shapes
        }
    }

    public struct Entry: Codable, Equatable, Sendable {
        public var group: Int
        public var index: Int
        /// How many updates the parameter has received.
        public var step: Int
        /// Named per-element buffers (torch's names: "momentum_buffer", "exp_avg", …).
        public var buffers: [String: [Float]]

        public init(group: Int, index: Int, step: Int, buffers: [String: [Float]]) {
            self.group = group; self.index = index; self.step = step; self.buffers = buffers
        }
    }

    /// The optimizer's type name ("SGD", "Adam", "AdamW"); loading into another type throws.
    public var optimizer: String
    public var groups: [Group]
    /// Only parameters that have been updated at least once have an entry.
    public var entries: [Entry]

    public init(optimizer: String, groups: [Group], entries: [Entry]) {
        self.optimizer = optimizer; self.groups = groups; self.entries = entries
    }
}

/// The base of all optimizers, as `torch.optim.Optimizer`. `step()` updates every parameter
/// that requires a gradient and has one, through `update(_:grad:state:group:)`, which a
/// subclass overrides with its rule.
open class Optimizer {
    /// Per-parameter state kept between steps.
    public struct ParameterState {
        /// How many updates the parameter has received, including the current one.
        public var step = 0
        /// Named buffers, each with one value per parameter element.
        public var buffers: [String: [Float]] = [:]
    }

    public var paramGroups: [ParamGroup]
    private var state: [ObjectIdentifier: ParameterState] = [:]

    /// The type name, used in messages and saved states.
    public var typeName: String { String(describing: type(of: self)) }

    /// Throws `GraftError.invalidArgument` for a negative lr or weight decay, or a parameter
    /// listed twice.
    public init(groups: [ParamGroup]) throws {
        paramGroups = groups
        var seen = Set<ObjectIdentifier>()
        for (i, g) in groups.enumerated() {
            guard g.lr >= 0, g.weightDecay >= 0 else {
                throw GraftError.invalidArgument(op: typeName, detail: "group \(i): lr \(g.lr) and weight decay \(g.weightDecay) must be non-negative")
            }
            for p in g.parameters where !seen.insert(ObjectIdentifier(p)).inserted {
                throw GraftError.invalidArgument(op: typeName, detail: "a parameter \(shapeString(p.shape)) appears twice (group \(i))")
            }
        }
    }

    /// Applies the update rule to one parameter, in place. `param` and `grad` are row-major;
    /// `state.step` already counts this update.
    open func update(_ param: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                     state: inout ParameterState, group: ParamGroup) throws {
        throw GraftError.invalidState("\(typeName) does not implement update(_:grad:state:group:)")
    }

    /// Updates every parameter that requires a gradient and has one.
    public func step() throws {
        for group in paramGroups {
            for p in group.parameters where p.requiresGrad {
                guard let g = p.grad else { continue }
                guard g.shape == p.shape else {
                    throw GraftError.shapeMismatch(op: "\(typeName).step", detail: "gradient vs parameter", lhs: g.shape, rhs: p.shape)
                }
                guard p.dtype == .float32, g.dtype == .float32 else {
                    throw GraftError.invalidArgument(op: "\(typeName).step", detail: "parameters and gradients must be float")
                }
                let (grad, target) = GradMode.withoutGradients { (g.rowMajor(), p.isRowMajor ? p : p.rowMajor()) }
                try grad.withUnsafeMutableFloats { gb in
                    try target.withUnsafeMutableFloats { pb in
                        try updateState(of: p) { s in
                            s.step += 1
                            try update(pb, grad: UnsafeBufferPointer(gb), state: &s, group: group)
                        }
                    }
                }
                if target !== p { p.assign(target) }
            }
        }
    }

    private func updateState(of p: Tensor, _ body: (inout ParameterState) throws -> Void) throws {
        try body(&state[ObjectIdentifier(p), default: ParameterState()])
    }

    /// Clears the gradients of all parameters.
    public func zeroGrad() {
        for g in paramGroups { for p in g.parameters { p.zeroGrad() } }
    }

    /// A copy of the optimizer's state, to be saved with a checkpoint.
    public func stateDict() -> OptimizerState {
        var entries: [OptimizerState.Entry] = []
        for (gi, g) in paramGroups.enumerated() {
            for (pi, p) in g.parameters.enumerated() {
                guard let s = state[ObjectIdentifier(p)] else { continue }
                entries.append(.init(group: gi, index: pi, step: s.step, buffers: s.buffers))
            }
        }
        return OptimizerState(optimizer: typeName,
                              groups: paramGroups.map { .init(lr: $0.lr, weightDecay: $0.weightDecay, shapes: $0.parameters.map(\.shape)) },
                              entries: entries)
    }

    /// Restores a state saved by `stateDict()` from an optimizer of the same type over
    /// parameters of the same shapes, grouped the same way; throws and changes nothing otherwise.
    public func loadState(_ saved: OptimizerState) throws {
        let op = "optimizer state"
        guard saved.optimizer == typeName else {
            throw GraftError.invalidArgument(op: op, detail: "it was saved by \(saved.optimizer), not \(typeName); load it into \(saved.optimizer)")
        }
        guard saved.groups.count == paramGroups.count else {
            throw GraftError.invalidArgument(op: op, detail: "the state has \(saved.groups.count) parameter groups, the optimizer \(paramGroups.count)")
        }
        for (gi, (s, g)) in zip(saved.groups, paramGroups).enumerated() {
            guard s.shapes.count == g.parameters.count else {
                throw GraftError.invalidArgument(op: op, detail: "group \(gi) has \(s.shapes.count) parameters in the state, \(g.parameters.count) in the optimizer")
            }
            for (pi, (shape, p)) in zip(s.shapes, g.parameters).enumerated() where shape != p.shape {
                throw GraftError.shapeMismatch(op: op, detail: "group \(gi) parameter \(pi): saved vs current", lhs: shape, rhs: p.shape)
            }
        }
        var restored: [ObjectIdentifier: ParameterState] = [:]
        for e in saved.entries {
            guard paramGroups.indices.contains(e.group), paramGroups[e.group].parameters.indices.contains(e.index), e.step >= 0 else {
                throw GraftError.invalidArgument(op: op, detail: "entry for group \(e.group) parameter \(e.index) does not exist")
            }
            let p = paramGroups[e.group].parameters[e.index]
            for (name, values) in e.buffers where values.count != p.count {
                throw GraftError.shapeMismatch(op: op, detail: "buffer '\(name)' of group \(e.group) parameter \(e.index) has \(values.count) values; parameter",
                                               lhs: [values.count], rhs: p.shape)
            }
            restored[ObjectIdentifier(p)] = ParameterState(step: e.step, buffers: e.buffers)
        }
        state = restored
        for (i, s) in saved.groups.enumerated() {
            paramGroups[i].lr = s.lr
            paramGroups[i].weightDecay = s.weightDecay
        }
    }
}
