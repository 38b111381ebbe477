import Foundation
import GraftCore

/// Decays the learning rate by `gamma` every `stepSize` steps (`torch.optim.lr_scheduler.StepLR`):
/// factor = gamma^⌊step / stepSize⌋.
public struct StepLR: LRSchedule {
    public let stepSize: Int
    public let gamma: Double

    /// Throws `GraftError.invalidArgument` unless `stepSize` is positive.
    public init(stepSize: Int, gamma: Double = 0.1) throws {
        guard stepSize > 0 else {
            throw GraftError.invalidArgument(op: "StepLR", detail: "step size \(stepSize) must be positive")
        }
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func factor(at step: Int) -> Double { pow(gamma, Double(step / stepSize)) }
}
