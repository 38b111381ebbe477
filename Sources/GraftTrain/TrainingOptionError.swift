/// The name of one field of `TransferOptions`, as errors and the recipe refer to it.
public enum TrainingOption: String, CaseIterable, Codable, Sendable {
    case model, weights, data, freeze, epochs, batchSize, imageSize, augment, out, optimizer, learningRate
    case momentum, weightDecay, schedule, labelSmoothing, classWeights, patience, resume, resumeWithChanges
    case overwrite, hidden, dropout, lrFactor, unfreezeEvery, bnMomentum, precision, cacheViews, featureCache
    case cacheDirectory, cachePrecision, cacheBudget, valFraction, perClass, valLimit, workers, skipBad, seed, stopAfter, nonfinite
}

/// A training option that cannot be used: which option, and what is wrong with its value.
///
/// `problem` reads after the option's name ("must be 1 to 4096, not 0"); other options it
/// mentions are written as their names in backquotes (`` `overwrite` ``), so that a front end
/// can replace every option name with its own spelling of it.
public struct TrainingOptionError: Error, CustomStringConvertible, Equatable, Sendable {
    public let option: TrainingOption
    public let problem: String

    public init(_ option: TrainingOption, _ problem: String) {
        self.option = option; self.problem = problem
    }

    /// The option in backquotes followed by the problem: "`imageSize` must be 8 to 1024, not 3".
    public var description: String { "`\(option.rawValue)` \(problem)" }
}
