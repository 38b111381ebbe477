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

/// The number of classes a zoo model's weight file was trained for, read from its head (whose
/// name a model of `spec`, built undrawn, tells).
public func headClassCount(of entries: [(String, Tensor)], spec: ModelSpec) throws -> Int? {
    let headPath = try spec.makeUndrawn(head: HeadConfig(classes: 1)).headPath
    return entries.first { $0.0 == headPath + ".weight" }?.1.shape.first
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
