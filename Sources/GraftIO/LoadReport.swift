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

    public var description: String {
        var parts = ["\(loaded.count) loaded"]
        if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
        if !mismatched.isEmpty { parts.append("shape mismatches: " + mismatched.map(\.description).joined(separator: ", ")) }
        if !defaulted.isEmpty { parts.append("counters set to 0: " + defaulted.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }
}
