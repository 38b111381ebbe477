import Foundation
import GraftCore

/// Linear warm-up from 0 to the base rate over `warmupSteps`, then a half cosine down to
/// `minFactor` × base at `totalSteps`, where it stays:
/// factor = step / warmup during warm-up, then minFactor + (1 − minFactor) · (1 + cos(π·progress)) / 2
/// with progress = (step − warmup) / (total − warmup).
public struct CosineWithWarmup: LRSchedule {
    public let warmupSteps: Int
    public let totalSteps: Int
    public let minFactor: Double

    /// Throws `GraftError.invalidArgument` unless 0 ≤ warmupSteps < totalSteps and minFactor ∈ [0, 1].
    public init(warmupSteps: Int, totalSteps: Int, minFactor: Double = 0) throws {
        guard warmupSteps >= 0, totalSteps > warmupSteps, (0...1).contains(minFactor) else {
            throw GraftError.invalidArgument(op: "CosineWithWarmup",
                                             detail: "needs 0 ≤ warmup (\(warmupSteps)) < total (\(totalSteps)) and min factor \(minFactor) in [0, 1]")
        }
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minFactor = minFactor
    }

    public func factor(at step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(warmupSteps) }
        let progress = min(1, Double(step - warmupSteps) / Double(totalSteps - warmupSteps))
        return minFactor + (1 - minFactor) * (1 + cos(Double.pi * progress)) / 2
    }
}
