import GraftNN

/// The learning-rate schedule of a run, stepped once per batch; the raw value is its name in
/// recipes and on the command line.
public enum ScheduleChoice: String, CaseIterable, Codable, Sendable {
    /// A constant learning rate.
    case none
    /// A tenth of the rate after each third of the steps.
    case step
    /// Linear warm-up for half an epoch, then cosine decay.
    case cosine
    /// The one-cycle policy: warm up to the peak rate, then anneal.
    case onecycle
}

/// The scheduler `options.schedule` names over `totalSteps` (nil for `none`).
func makeScheduler(_ o: TransferOptions, optimizer: Optimizer, totalSteps: Int, stepsPerEpoch: Int) throws -> LRScheduler? {
    switch o.schedule {
    case .step: return LRScheduler(optimizer, schedule: try StepLR(stepSize: max(1, totalSteps / 3), gamma: 0.1))
    case .cosine:
        return LRScheduler(optimizer, schedule: try CosineWithWarmup(warmupSteps: stepsPerEpoch / 2, totalSteps: totalSteps))
    case .onecycle: return LRScheduler(optimizer, schedule: try OneCycle(totalSteps: totalSteps))
    case .none: return nil
    }
}
