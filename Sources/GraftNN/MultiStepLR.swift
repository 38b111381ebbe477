import Foundation
import GraftCore

/// Decays the learning rate by `gamma` at each milestone (`torch.optim.lr_scheduler.MultiStepLR`):
/// factor = gamma^(number of milestones ≤ step).
public struct MultiStepLR: LRSchedule {
    /// The steps at which the rate drops, ascending.
    public let milestones: [Int]
    public let gamma: Double

    /// Throws `GraftError.invalidArgument` unless the milestones are positive; they are sorted.
    public init(milestones: [Int], gamma: Double = 0.1) throws {
        guard milestones.allSatisfy({ $0 > 0 }) else {
            throw GraftError.invalidArgument(op: "MultiStepLR", detail: "milestones \(milestones) must be positive")
        }
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public func factor(at step: Int) -> Double {
        pow(gamma, Double(milestones.filter { $0 <= step }.count))
    }
}
