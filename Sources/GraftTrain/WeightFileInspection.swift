import GraftCore
import GraftIO
import GraftModels
import GraftNN

/// How well a weight file fits one zoo architecture.
public struct ModelFit: Sendable {
    public var model: String
    public var classes: Int
    /// Model entries found in the file with the right shape.
    public var matching: Int
    /// Model entries in all.
    public var total: Int
    /// The load report of a non-strict load (missing, unexpected, mismatched keys).
    public var report: LoadReport

    /// Every entry fits (BatchNorm counters the file lacks aside).
    public var isExact: Bool { report.isComplete }
}

/// Every zoo architecture ranked by how many of its entries `entries` fills, best first.
/// Models are built without initialising their weights.
public func zooFits(_ entries: [(String, Tensor)]) throws -> [ModelFit] {
    var fits: [ModelFit] = []
    for spec in ModelZoo.specs {
        let (model, classes) = try modelFitting(entries, spec: spec)
        var report = LoadReport()
        var given: [String: [Int]] = [:]
        for (k, t) in entries { given[k] = t.shape }
        let own = model.stateDict()
        let ownKeys = Set(own.map(\.0))
        for (key, target) in own {
            if let shape = given[key] {
                if shape == target.shape { report.loaded.append(key) } else {
                    report.mismatched.append(.init(key: key, fileShape: shape, modelShape: target.shape,
                                                   fileType: target.dtype, modelType: target.dtype))
                }
            } else if key.hasSuffix(".num_batches_tracked") {
                report.defaulted.append(key)
            } else {
                report.missing.append(key)
            }
        }
        report.unexpected = entries.map(\.0).filter { !ownKeys.contains($0) }
        fits.append(ModelFit(model: spec.name, classes: classes, matching: report.loaded.count + report.defaulted.count,
                             total: own.count, report: report))
    }
    return fits.sorted { ($0.isExact ? 1 : 0, Double($0.matching) / Double($0.total)) > ($1.isExact ? 1 : 0, Double($1.matching) / Double($1.total)) }
}

/// `graft inspect FILE` as text: the tensors, then the zoo models the file fits.
public func describeWeightFile(_ path: String) throws -> String {
    let entries = try readWeights(path)
    let nameWidth = max(4, entries.map(\.0.count).max() ?? 0)
    var lines = ["\(path): \(entries.count) tensors, \(entries.reduce(0) { $0 + $1.1.count }) values"]
    for (name, t) in entries {
        lines.append(name + String(repeating: " ", count: nameWidth - name.count) + "  \(t.dtype)  \(shapeString(t.shape))")
    }
    let fits = try zooFits(entries)
    let exact = fits.filter(\.isExact)
    if !exact.isEmpty {
        lines.append("fits: " + exact.map { "\($0.model) (\($0.classes) classes)" }.joined(separator: ", "))
    } else if let best = fits.first, best.matching > 0 {
        lines.append("fits no zoo model exactly; closest: \(best.model), \(best.matching) of \(best.total) entries (\(best.report))")
    } else {
        lines.append("fits no zoo model")
    }
    return lines.joined(separator: "\n")
}
