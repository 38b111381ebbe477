import GraftModels
import GraftNN

/// Gradual unfreezing: starting from what the freeze policy left trainable, every `every`
/// epochs one more stage is unfrozen, from the head down. Codable, so that a resumed run
/// unfreezes exactly as the interrupted one did.
public struct GradualUnfreezing: Codable, Sendable, Equatable {
    /// Epochs between two unfreezings.
    public let every: Int
    /// The stages unfrozen so far, in the order they were.
    public private(set) var unfrozen: [String] = []

    /// Throws `TrainingOptionError` naming `unfreezeEvery` unless `every` ≥ 1.
    public init(every: Int) throws {
        guard every >= 1 else { throw TrainingOptionError(.unfreezeEvery, "must be at least 1, not \(every)") }
        self.every = every
    }

    /// To be called at the start of each epoch (counted from 1), after the freeze policy was
    /// applied: unfreezes the stages unfrozen so far again (a resumed run's fresh model), then,
    /// until `(epoch − 1) / every` stages have been unfrozen, the frozen stage nearest the head.
    /// Returns the stages this call unfroze for the first time, for the log.
    @discardableResult
    public mutating func beginEpoch(_ epoch: Int, model: any TransferModel) -> [String] {
        if !unfrozen.isEmpty { model.unfreeze(model.parameterPrefixes(ofStages: unfrozen)) }
        var newlyUnfrozen: [String] = []
        let parameters = model.namedParameters()
        while unfrozen.count < (epoch - 1) / every {
            let next = model.trunkStagePaths.reversed().first { stage in
                parameters.contains { model.stage(stage, holds: $0.0) && !$0.1.requiresGrad }
            }
            guard let next else { break }
            model.unfreeze(model.parameterPrefixes(ofStage: next))
            unfrozen.append(next)
            newlyUnfrozen.append(next)
        }
        return newlyUnfrozen
    }
}
