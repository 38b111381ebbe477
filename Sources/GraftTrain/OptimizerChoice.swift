import GraftNN

/// The optimizer a run trains with; the raw value is its name in recipes and on the command line.
public enum OptimizerChoice: String, CaseIterable, Codable, Sendable {
    /// SGD, with Nesterov momentum when the momentum is above 0.
    case sgd
    case adam
    case adamw
}

/// The optimizer `options.optimizer` names, over `groups`.
func makeOptimizer(_ o: TransferOptions, groups: [ParamGroup]) throws -> Optimizer {
    switch o.optimizer {
    case .sgd: return try SGD(groups: groups, momentum: o.momentum, nesterov: o.momentum > 0)
    case .adamw: return try AdamW(groups: groups)
    case .adam: return try Adam(groups: groups)
    }
}
