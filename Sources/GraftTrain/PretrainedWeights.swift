import GraftCore
import GraftIO
import GraftModels
import GraftNN

/// A weight file whose classification head has another number of classes than the model.
public struct HeadMismatchError: Error, CustomStringConvertible {
    public let file: String
    public let model: String
    public let mismatched: [LoadReport.Mismatch]

    public var description: String {
        let keys = mismatched.map(\.description).joined(separator: ", ")
        return """
        \(file): its classification head does not fit \(model)'s: \(keys). \
        To fine-tune on your own classes, load everything but the head (loadWeights(…, strict: false) \
        leaves the new head as initialised) or build the model with the file's number of classes and \
        replace its head afterwards.
        """
    }
}

/// A zoo model of `spec` with as many classes as the head of the weight file's `entries` has
/// (the spec's default when they hold no such head), its weights allocated but not drawn, for
/// `entries` to be loaded into. It draws from `GlobalRandom` as one `make(numClasses:)` of
/// that class count does; the model is built twice only when the file's classes are not the
/// default, since its head's name is known once a model is built.
public func modelFitting(_ entries: [(String, Tensor)], spec: ModelSpec) throws -> (model: any TransferModel, classes: Int) {
    let generator = GlobalRandom.generator
    let model = try Init.withoutInitialisation { try spec.make(numClasses: spec.defaultNumClasses) }
    let headWeight = model.headPath + ".weight"
    guard let classes = entries.first(where: { $0.0 == headWeight })?.1.shape.first,
          classes != spec.defaultNumClasses else { return (model, spec.defaultNumClasses) }
    GlobalRandom.generator = generator
    return (try Init.withoutInitialisation { try spec.make(numClasses: classes) }, classes)
}

/// A zoo model of `spec` holding the weights of the file at `path`, loaded strictly, with as
/// many classes as the file's head has (see `modelFitting`).
public func modelLoaded(from path: String, spec: ModelSpec) throws -> (model: any TransferModel, classes: Int) {
    let entries = try readWeights(path)
    let fitted = try modelFitting(entries, spec: spec)
    try loadWeights(into: fitted.model, entries: entries, strict: true, source: path)
    return fitted
}

/// Loads a zoo model's weights strictly. When only the head's shapes differ, the error names
/// the head's keys and says how to replace the head.
@discardableResult
public func loadPretrainedWeights(into model: any TransferModel, spec: ModelSpec, from path: String) throws -> LoadReport {
    do {
        return try loadWeights(into: model, from: path, strict: true)
    } catch let WeightFileError.incompatible(file, report) {
        let headPrefixes = ([model.headPath] + model.auxiliaryHeadPaths).map { $0 + "." }
        let headOnly = !report.mismatched.isEmpty && report.missing.isEmpty && report.unexpected.isEmpty
            && report.mismatched.allSatisfy { m in headPrefixes.contains { m.key.hasPrefix($0) } }
        if headOnly { throw HeadMismatchError(file: file, model: spec.name, mismatched: report.mismatched) }
        throw WeightFileError.incompatible(file: file, report: report)
    }
}
