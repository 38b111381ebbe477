import GraftCore
import GraftNN

/// `ranges` as a checkpoint keeps them: `[min, max]` by name.
public func checkpointActivationRanges(_ ranges: ActivationRanges) -> [String: [Float]] {
    ranges.ranges.mapValues { [$0.min, $0.max] }
}

/// The activation ranges a checkpoint's metadata carries, checked strictly against `model`:
/// each name is a parameter of the model followed by `.input` or `.output`, each value two
/// finite numbers with the first not above the second, and there are at most two per parameter.
/// Throws `CheckpointError.badMetadata` naming the key at fault.
func checkedActivationRanges(_ stored: [String: [Float]], model: Module, file: String) throws -> ActivationRanges {
    let parameters = Set(model.stateDict().map(\.0))
    guard stored.count <= 2 * parameters.count else {
        throw CheckpointError.badMetadata(file: file, reason: "'activationRanges' has \(stored.count) entries; the model has \(parameters.count) parameters")
    }
    var ranges = ActivationRanges()
    for (key, value) in stored.sorted(by: { $0.key < $1.key }) {
        func bad(_ problem: String) -> CheckpointError { .badMetadata(file: file, reason: "'activationRanges.\(key)' \(problem)") }
        let owner = key.hasSuffix(".input") ? String(key.dropLast(6)) : key.hasSuffix(".output") ? String(key.dropLast(7)) : nil
        guard let owner, parameters.contains(owner) else { throw bad("names no parameter of the model followed by .input or .output") }
        guard value.count == 2 else { throw bad("must be [min, max], not \(value.count) numbers") }
        guard value.allSatisfy(\.isFinite), value[0] <= value[1] else { throw bad("must be two finite numbers, min first, not \(value)") }
        ranges.ranges[key] = ActivationRanges.Range(min: value[0], max: value[1])
    }
    return ranges
}
