import Foundation
import GraftCore

/// The one-cycle policy, exactly the learning-rate curve of `torch.optim.lr_scheduler.OneCycleLR`
/// with cosine annealing and `three_phase=False`, taking each group's base rate as `max_lr`:
/// from max/divFactor up to max at step pctStart·total − 1, then down to
/// max/(divFactor·finalDivFactor) at step total − 1, where it stays (torch refuses to go further).
/// Momentum is not cycled.
public struct OneCycle: LRSchedule {
    public let totalSteps: Int
    public let pctStart: Double
    public let divFactor: Double
    public let finalDivFactor: Double

    /// Throws `GraftError.invalidArgument` unless both phases span some steps
    /// (0 < pctStart·total − 1 < total − 1) and the divisors are positive.
    public init(totalSteps: Int, pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4) throws {
        let peak = pctStart * Double(totalSteps) - 1
        guard totalSteps > 0, peak > 0, peak < Double(totalSteps - 1), divFactor > 0, finalDivFactor > 0 else {
            throw GraftError.invalidArgument(op: "OneCycle",
                                             detail: "needs 0 < pctStart·total − 1 < total − 1 (pctStart \(pctStart), total \(totalSteps)) and positive divisors")
        }
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
    }

    public func factor(at step: Int) -> Double {
        let initial = 1 / divFactor, minimum = initial / finalDivFactor
        let peak = pctStart * Double(totalSteps) - 1
        let s = Double(min(step, totalSteps - 1))
        func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
            end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
        }
        if s <= peak { return anneal(initial, 1, s / peak) }
        return anneal(1, minimum, (s - peak) / (Double(totalSteps - 1) - peak))
    }
}
