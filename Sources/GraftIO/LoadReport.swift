import GraftCore

/// What loading a weight file into a model did, entry by entry (state-dict key names).
public struct LoadReport: Equatable, CustomStringConvertible, Sendable {
    /// An entry present in both the file and the model whose shape or element type differ.
    public struct Mismatch: Equatable, CustomStringConvertible, Sendable {
        public let key: String
        public let fileShape: [Int]
        public let modelShape: [Int]
        public let fileType: DType
        public let modelType: DType

        public init(key: String, fileShape: [Int], modelShape: [Int], fileType: DType, modelType: DType) {
            self.key = key
            self.fileShape = fileShape
            self.modelShape = modelShape
            self.fileType = fileType
            self.modelType = modelType
        }

        public var description: String {
            "\(key) (file \(fileType) \(shapeString(fileShape)), model \(modelType) \(shapeString(modelShape)))"
        }
    }

    /// An empty report.
    public init() {}

    /// Entries copied into the model.
    public var loaded: [String] = []
    /// Model entries the file lacks (left as they were).
    public var missing: [String] = []
    /// File entries the model lacks (ignored).
    public var unexpected: [String] = []
    /// Entries whose shape or type differ (skipped).
    public var mismatched: [Mismatch] = []
    /// BatchNorm `num_batches_tracked` counters the file lacks, set to 0 as PyTorch does for
    /// checkpoints saved before BatchNorm had them (torchvision's published weights).
    public var defaulted: [String] = []

    /// Whether every model entry was loaded from the file and every file entry was used.
    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    /// A summary that stays short for any number of keys: the count of each kind and its first
    /// few keys; when most of the model's entries did not load, a hint that the file is for
    /// another architecture.
    public var description: String {
        func listed(_ name: String, _ items: [String]) -> String {
            let shown = items.prefix(LoadReport.keysShown).joined(separator: ", ")
            return items.count > LoadReport.keysShown ? "\(items.count) \(name): \(shown) and \(items.count - LoadReport.keysShown) more"
                                                      : "\(name): \(shown)"
        }
        var parts = ["\(loaded.count) loaded"]
        if !missing.isEmpty { parts.append(listed("missing keys", missing)) }
        if !unexpected.isEmpty { parts.append(listed("unexpected keys", unexpected)) }
        if !mismatched.isEmpty { parts.append(listed("shape mismatches", mismatched.map(\.description))) }
        if !defaulted.isEmpty { parts.append(listed("counters set to 0", defaulted)) }
        let modelEntries = loaded.count + missing.count + mismatched.count + defaulted.count
        if loaded.count * 2 < modelEntries {
            parts.append("most of the model's entries are not in the file: is it for another architecture? "
                         + "`graft inspect FILE` lists the models it fits")
        }
        return parts.joined(separator: "; ")
    }

    /// How many keys of each kind `description` names.
    static let keysShown = 3
}
