import GraftCore

/// How the training loss weighs the classes; the raw value is its name in recipes and on the
/// command line.
public enum ClassWeighting: String, CaseIterable, Codable, Sendable {
    /// Every class weighs the same.
    case none
    /// Each class weighs inversely to its share of the training images.
    case balanced
}

extension ClassWeighting {
    /// The loss's class weights for `data` (nil: equal weights).
    func weights(for data: TrainingData) -> Tensor? {
        switch self {
        case .none: return nil
        case .balanced: return Tensor(shape: [data.classNames.count], data: data.balancedClassWeights())
        }
    }
}
