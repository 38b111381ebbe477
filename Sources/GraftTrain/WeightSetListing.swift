import Foundation
import GraftHub
import GraftModels

/// One published weight set as `graft weights list` shows it, and its `--json` object.
public struct WeightSetEntry: Encodable, Sendable, Equatable {
    public let model: String
    public let set: String
    /// The model's default set (what `imagenet` names).
    public let isDefault: Bool
    /// The canonical file name, under which caches and mirrors keep the file.
    public let file: String
    public let bytes: Int
    public let sizeIsExact: Bool
    /// The full SHA-256, or the prefix the publisher pins (`fullHash` false).
    public let sha256: String
    public let fullHash: Bool
    public let licence: String
    public let top1: Double?
    public let top5: Double?
    public let classes: Int
    /// The source: URLs, or a Python package (`name==version`) and the file inside it.
    public let urls: [String]?
    public let package: String?
    public let member: String?
    /// The file in Graft's cache; nil when it is not there.
    public let cached: String?

    /// `set` of `spec`, cached or not in `store`.
    public init(spec: ModelSpec, set: WeightSet, store: WeightStore) {
        model = spec.name; self.set = set.name; isDefault = set == spec.defaultWeights; file = set.fileName
        bytes = set.bytes; sizeIsExact = set.sizeIsExact; sha256 = set.sha256; fullHash = set.isFullHash
        licence = set.licence; top1 = set.top1; top5 = set.top5; classes = set.classNames.count
        switch set.source {
        case .urls(let list): urls = list; package = nil; member = nil
        case .pythonPackage(let name, let version, let inside): urls = nil; package = "\(name)==\(version)"; member = inside
        }
        cached = store.isCached(set) ? store.cachePath(for: set) : nil
    }

    /// `model.SET`, as `graft weights pull` takes it.
    public var reference: String { WeightSetReference.qualifiedName(model: model, set: set) }
}

/// Every published set of the zoo's models (of `model` alone when given), defaults first within
/// each model, with where `store` caches them. Throws `UnknownModelError` for an unknown model.
public func weightSetEntries(model: String? = nil, store: WeightStore) throws -> [WeightSetEntry] {
    let specs = try model.map { [try ModelZoo.spec($0)] } ?? ModelZoo.specs
    return specs.flatMap { spec in spec.weights.map { WeightSetEntry(spec: spec, set: $0, store: store) } }
}

/// The sets as an aligned table: model, set (`*` marks the default), size, licence, reported
/// top-1/top-5 and whether the file is cached; `sources` adds the URL or package and the hash.
public func weightSetTable(_ entries: [WeightSetEntry], sources: Bool = false) -> String {
    func percent(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0) } ?? "–" }
    var rows = [["model", "set", "size", "licence", "top-1", "top-5", "cached"] + (sources ? ["source", "sha256"] : [])]
    for e in entries {
        let source = e.urls?.joined(separator: " ") ?? "pip \(e.package ?? "") (\(e.member ?? ""))"
        rows.append([e.model, e.set + (e.isDefault ? " *" : ""), String(format: "%.1f MiB", Double(e.bytes) / 1_048_576),
                     e.licence, percent(e.top1), percent(e.top5), e.cached == nil ? "no" : "yes"]
                    + (sources ? [source, e.sha256 + (e.fullHash ? "" : " (prefix)")] : []))
    }
    let widths = rows[0].indices.map { c in rows.map { displayWidth($0[c]) }.max() ?? 0 }
    let lines = rows.map { row in
        row.enumerated().map { c, text in c == row.count - 1 ? text : padded(text, toWidth: widths[c]) }.joined(separator: "  ")
    }
    return (lines + ["* the model's default set: `--weights imagenet`, and what `graft train` uses without `--weights`"])
        .joined(separator: "\n")
}

/// What `graft inspect MODEL --weights SET` adds: the set's facts, and where `store` caches it.
public func describeWeightSet(_ set: WeightSet, of spec: ModelSpec, store: WeightStore) -> String {
    let entry = WeightSetEntry(spec: spec, set: set, store: store)
    let p = set.preprocessing
    let size = entry.sizeIsExact ? "\(entry.bytes) bytes" : String(format: "about %.1f MiB", Double(entry.bytes) / 1_048_576)
    let accuracy: [String] = [("top-1", set.top1), ("top-5", set.top5)].compactMap { name, v in v.map { "\(name) \($0)%" } }
    let source: String = entry.urls?.joined(separator: ", ") ?? "Python package \(entry.package ?? ""), file \(entry.member ?? "")"
    let classes: String = "\(entry.classes)" + (set.classNames == ImageNetClasses.names ? " (ImageNet)" : "")
    let lines: [String] = [
        "weights: \(entry.reference)" + (entry.isDefault ? " (the default: \(ModelSpec.defaultWeightsName))" : ""),
        "  source: " + source,
        "  file: \(entry.file), \(size)",
        "  sha256: \(entry.sha256)" + (entry.fullHash ? "" : " (the prefix the publisher pins)"),
        "  licence: \(entry.licence)",
        "  reported accuracy: " + (accuracy.isEmpty ? "not published" : accuracy.joined(separator: ", ")),
        "  classes: " + classes,
        "  preprocessing: resize \(p.resizeShorter) (\(p.interpolation.rawValue)), crop \(p.inputSize), mean \(p.mean), std \(p.std)",
        "  cached: " + (entry.cached ?? "no (graft weights pull \(entry.reference))"),
    ]
    return lines.joined(separator: "\n")
}

/// The zoo's published sets whose files are in `store`'s cache, in zoo order.
public func cachedWeightSets(in store: WeightStore) -> [WeightSetReference] {
    ModelZoo.specs.flatMap { spec in spec.weights.filter(store.isCached).map { WeightSetReference(model: spec.name, set: $0) } }
}
