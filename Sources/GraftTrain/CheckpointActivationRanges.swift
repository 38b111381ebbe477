import GraftCore
import GraftNN

/// `ranges` as a checkpoint keeps them by name: `[min, max, mean square, samples]`, or
/// `[min, max]` where the mean square was not measured.
public func checkpointActivationRanges(_ ranges: ActivationRanges) -> [String: [Float]] {
    ranges.ranges.mapValues { r in r.meanSquare.map { [r.min, r.max, $0, Float(r.samples)] } ?? [r.min, r.max] }
}

/// The activation ranges a checkpoint's metadata carries, checked strictly against `model`:
/// each name is a parameter of the model followed by `.input` or `.output`, each value two
/// finite numbers with the first not above the second (then optionally a finite mean square
/// not below 0 and a whole number of samples from 1 to 2⁵³), and there are at most two per
/// parameter.
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
        guard value.count == 2 || value.count == 4 else {
            throw bad("must be [min, max] or [min, max, mean square, samples], not \(value.count) numbers")
        }
        guard value.allSatisfy(\.isFinite), value[0] <= value[1] else { throw bad("must be two finite numbers, min first, not \(value)") }
        var range = ActivationRanges.Range(min: value[0], max: value[1])
        if value.count == 4 {
            guard value[2] >= 0, value[3] >= 1, value[3] <= 0x1p53, let samples = Int(exactly: value[3]) else {
                throw bad("must have a mean square not below 0 and a whole number of samples from 1 to 2^53, not \(value)")
            }
            (range.meanSquare, range.samples) = (value[2], samples)
        }
        ranges.ranges[key] = range
    }
    return ranges
}
