import GraftCore

/// A scheduler's saved position, for resuming a run.
public struct LRSchedulerState: Codable, Equatable, Sendable {
    /// How many times `step()` has been called.
    public var position: Int
    /// The groups' base learning rates.
    public var baseLRs: [Float]
}

/// Drives an optimizer's learning rates along an `LRSchedule`, as a torch `LRScheduler`:
/// it remembers each group's learning rate at creation as its base, sets the rates of
/// position 0 at once, and moves one position per `step()` (call it after `optimizer.step()`).
public final class LRScheduler {
    public let optimizer: Optimizer
    public let schedule: any LRSchedule
    /// One base learning rate per parameter group. A group added to the optimizer later
    /// gets its learning rate at that time as base.
    public private(set) var baseLRs: [Float]
    /// How many times `step()` has been called.
    public private(set) var position = 0

    public init(_ optimizer: Optimizer, schedule: any LRSchedule) {
        self.optimizer = optimizer
        self.schedule = schedule
        baseLRs = optimizer.paramGroups.map(\.lr)
        apply()
    }

    /// The groups' current learning rates.
    public var currentLRs: [Float] { optimizer.paramGroups.map(\.lr) }

    /// Advances one position and sets the groups' learning rates.
    public func step() {
        position += 1
        apply()
    }

    private func apply() {
        let groups = optimizer.paramGroups
        for g in groups.dropFirst(baseLRs.count) { baseLRs.append(g.lr) }
        let f = schedule.factor(at: position)
        for i in groups.indices { optimizer.paramGroups[i].lr = Float(Double(baseLRs[i]) * f) }
    }

    /// The position and base learning rates, to be saved with a checkpoint.
    public func stateDict() -> LRSchedulerState { LRSchedulerState(position: position, baseLRs: baseLRs) }

    /// Restores a saved position and sets the learning rates it implies. Throws when the
    /// state has another number of groups or a negative position.
    public func loadState(_ state: LRSchedulerState) throws {
        guard state.baseLRs.count == optimizer.paramGroups.count, state.position >= 0 else {
            throw GraftError.invalidArgument(op: "learning-rate schedule state",
                                             detail: "state for \(state.baseLRs.count) groups at position \(state.position), optimizer has \(optimizer.paramGroups.count) groups")
        }
        baseLRs = state.baseLRs
        position = state.position
        apply()
    }
}
