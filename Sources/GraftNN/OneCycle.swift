import Foundation
import GraftCore

/// The one-cycle policy, the learning-rate curve of `torch.optim.lr_scheduler.OneCycleLR` with
/// cosine annealing and `three_phase=False`, taking each group's base rate as `max_lr`: from
/// max/divFactor up to max at step pctStart·total − 1, then down to
/// max/(divFactor·finalDivFactor) at step total − 1, where it stays. Momentum is not cycled.
///
/// Any positive number of steps works. Where the warm-up would end before step 0 (fewer than
/// 1/pctStart steps: 1 to 3 at the default 0.3) there is none: the curve starts at the maximum
/// and anneals to the minimum at the last step (a single step runs at the maximum); torch
/// would start part-way down its annealing phase. From 1/pctStart steps on, the curve is torch's.
public struct OneCycle: LRSchedule {
    public let totalSteps: Int
    public let pctStart: Double
    public let divFactor: Double
    public let finalDivFactor: Double

    /// Throws `GraftError.invalidArgument` unless `totalSteps` is positive, pctStart is in
    /// (0, 1) and the divisors are positive and finite.
    public init(totalSteps: Int, pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4) throws {
        guard totalSteps > 0, pctStart > 0, pctStart < 1, divFactor > 0, divFactor.isFinite,
              finalDivFactor > 0, finalDivFactor.isFinite else {
            throw GraftError.invalidArgument(op: "OneCycle",
                                             detail: "needs a positive number of steps (\(totalSteps)), pctStart in (0, 1) (\(pctStart)) and positive divisors")
        }
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
    }

    public func factor(at step: Int) -> Double {
        let initial = 1 / divFactor, minimum = initial / finalDivFactor
        let last = Double(totalSteps - 1)
        // The step of the peak; at most 0 means no warm-up.
        let peak = max(0, pctStart * Double(totalSteps) - 1)
        let s = Double(min(max(step, 0), totalSteps - 1))
        func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
            end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
        }
        if s <= peak { return peak == 0 ? 1 : anneal(initial, 1, s / peak) }
        return anneal(1, minimum, (s - peak) / (last - peak))
    }
}
