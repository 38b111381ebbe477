import Foundation
import GraftCore
import GraftNN

/// What `graft train` does with a step whose loss is NaN or infinite (the `nonfinite` option).
public enum NonFinitePolicy: String, Codable, CaseIterable, Sendable {
    /// End the run with an error naming the epoch and step (the default).
    case stop
    /// Leave the weights as they are for that step (also when a gradient is not finite) and
    /// count it; the run goes on.
    case skip
}

/// A training run that diverged: the loss, a gradient or the weights stopped being finite.
/// The run folder keeps the checkpoints of the last finished epoch, which are finite.
public struct DivergedTrainingError: Error, CustomStringConvertible {
    /// What went non-finite, with its value ("the loss is nan").
    public var what: String
    public var epoch: Int
    /// The step within the epoch (from 1), nil when found at the epoch's end; and the epoch's step count.
    public var step: Int?
    public var steps: Int
    /// The first parameter group's learning rate at that step.
    public var learningRate: Float

    public var description: String {
        let when = step.map { "at epoch \(epoch), step \($0) of \(steps)" } ?? "at the end of epoch \(epoch) (\(steps) steps)"
        return "training diverged: \(what) \(when) (learning rate \(String(format: "%.2e", learningRate))). "
            + "The learning rate is probably too high: try a smaller `learningRate` (a tenth, say), an adaptive `optimizer` (adam), "
            + "or `nonfinite` skip to skip such steps. No checkpoint of this epoch was written."
    }
}

/// Watches each training step for NaN and infinity, as `policy` says: `stop` throws
/// `DivergedTrainingError`, `skip` tells the caller to leave the step out and counts it.
struct NonFiniteSteps {
    let policy: NonFinitePolicy
    /// Steps left out in the current epoch.
    private(set) var skipped = 0

    init(_ policy: NonFinitePolicy) { self.policy = policy }

    /// Whether a step with `loss` may update the weights; throws under `stop` when it is not finite.
    mutating func admits(loss: Float, epoch: Int, step: Int, steps: Int, learningRate: Float) throws -> Bool {
        if loss.isFinite { return true }
        guard policy == .skip else {
            throw DivergedTrainingError(what: "the loss is \(loss.isNaN ? "NaN" : "infinite")", epoch: epoch, step: step, steps: steps, learningRate: learningRate)
        }
        skipped += 1
        return false
    }

    /// Whether the gradients of `parameters` may update them: always under `stop` (a
    /// non-finite update shows in the next loss or the epoch's weight check), only when all
    /// are finite under `skip`.
    mutating func admits(gradientsOf parameters: [Tensor]) -> Bool {
        guard policy == .skip else { return true }
        if parameters.allSatisfy({ $0.grad.map(NonFiniteSteps.isFinite) ?? true }) { return true }
        skipped += 1
        return false
    }

    /// Starts counting the steps of a new epoch left out.
    mutating func beginEpoch() { skipped = 0 }

    /// Throws `DivergedTrainingError` when a float tensor of `model`'s state (weights,
    /// BatchNorm statistics) holds a NaN or an infinity, before a checkpoint is written.
    static func checkWeights(of model: Module, epoch: Int, steps: Int, learningRate: Float) throws {
        if let (name, _) = model.stateDict().first(where: { !isFinite($0.1) }) {
            throw DivergedTrainingError(what: "'\(name)' holds a non-finite value", epoch: epoch, step: nil, steps: steps,
                                        learningRate: learningRate)
        }
    }

    /// Whether every value of `tensor` is finite (integer tensors always are).
    private static func isFinite(_ tensor: Tensor) -> Bool {
        tensor.dtype != .float32 || tensor.toArray().allSatisfy(\.isFinite)
    }
}
