import GraftNN

/// The optimizer `--optimizer` names, over `groups` (SGD with Nesterov momentum when momentum > 0).
func makeOptimizer(_ o: TransferOptions, groups: [ParamGroup]) throws -> Optimizer {
    switch o.optimizer {
    case "sgd": return try SGD(groups: groups, momentum: o.momentum, nesterov: o.momentum > 0)
    case "adamw": return try AdamW(groups: groups)
    default: return try Adam(groups: groups)
    }
}

/// The schedule `--schedule` names, stepped once per batch (nil for `none`).
func makeScheduler(_ o: TransferOptions, optimizer: Optimizer, totalSteps: Int, stepsPerEpoch: Int) throws -> LRScheduler? {
    switch o.schedule {
    case "step": return LRScheduler(optimizer, schedule: try StepLR(stepSize: max(1, totalSteps / 3), gamma: 0.1))
    case "cosine":
        return LRScheduler(optimizer, schedule: try CosineWithWarmup(warmupSteps: stepsPerEpoch / 2, totalSteps: totalSteps))
    case "onecycle": return LRScheduler(optimizer, schedule: try OneCycle(totalSteps: totalSteps))
    default: return nil
    }
}
