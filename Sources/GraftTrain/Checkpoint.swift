import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import GraftONNX

/// What a Graft checkpoint says about itself, kept as JSON under the safetensors metadata key
/// `graft`: enough to rebuild the model, preprocess images and name its classes.
public struct CheckpointMetadata: Codable, Sendable, Equatable {
    /// The safetensors metadata key.
    public static let key = "graft"
    /// The safetensors metadata key of the architecture's definition, for a model the zoo does
    /// not know (an imported ONNX graph, `ModelSpec.definition`).
    public static let definitionKey = "graft.graph"
    /// The format this version of Graft writes; newer ones are refused.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// The zoo name of the architecture (`resnet18`).
    public var architecture: String
    public var head: HeadConfig
    /// One name per output of the head.
    public var classNames: [String]
    public var preprocessing: Preprocessing
    /// The flags that produced the checkpoint (`"freeze": "last:2"`, …).
    public var recipe: [String: String]
    /// The weights the run started from (`ChosenWeights.record`: a published set with its
    /// file's SHA-256, a file's path, or `none`); nil in checkpoints of earlier versions.
    public var weights: String?
    /// The epoch after which it was written (counted from 1).
    public var epoch: Int
    /// Figures at that epoch (`"val_top1": 0.91`, …).
    public var metrics: [String: Double]
    /// The calibrated activations an int8 plan of the whole model quantises with, each
    /// `[min, max, mean square, samples]` (older checkpoints: `[min, max]`) by its
    /// `ActivationRanges` name (`layer1.0.conv1.weight.output`); nil when none were measured
    /// (see `CheckpointActivationRanges.swift`).
    public var activationRanges: [String: [Float]]?

    public init(architecture: String, head: HeadConfig, classNames: [String], preprocessing: Preprocessing,
                recipe: [String: String] = [:], weights: String? = nil, epoch: Int = 0, metrics: [String: Double] = [:],
                formatVersion: Int = CheckpointMetadata.currentFormatVersion) {
        self.formatVersion = formatVersion; self.architecture = architecture; self.head = head
        self.classNames = classNames; self.preprocessing = preprocessing; self.recipe = recipe; self.weights = weights
        self.epoch = epoch; self.metrics = metrics
    }
}

/// A checkpoint read back: the architecture's spec, the model in eval mode, and its metadata.
public struct LoadedCheckpoint {
    public let spec: ModelSpec
    public let model: Module
    public let metadata: CheckpointMetadata
    /// The int8 activation ranges it carries, checked against the model.
    public let activationRanges: ActivationRanges?
}

/// Writes `model`'s state dict and `metadata` as one safetensors file, atomically (a crash or
/// a full disk leaves the previous file, never a partial one). Throws before writing anything
/// when the metadata does not describe the model: unknown architecture, class names that do
/// not match the head, or a head whose shape differs from the model's.
public func saveCheckpoint(_ model: Module, metadata: CheckpointMetadata, to path: String) throws {
    let spec = try checkedSpec(metadata, definition: nil, file: path)
    let reference = try spec.makeUndrawn(head: metadata.head)
    let expected = reference.stateDict().map { [$0.0: $0.1.shape] }
    let actual = model.stateDict().map { [$0.0: $0.1.shape] }
    guard expected == actual else {
        throw CheckpointError.badMetadata(file: path, reason: "the model's state dict does not match \(spec.name) with head \(describe(metadata.head))")
    }
    if let ranges = metadata.activationRanges { _ = try checkedActivationRanges(ranges, model: model, file: path) }
    var header = [CheckpointMetadata.key: try MetadataJSON.encode(metadata)]
    header[CheckpointMetadata.definitionKey] = spec.definition
    try saveWeights(model, to: path, metadata: header)
}

/// The metadata of the Graft checkpoint at `path`, without reading its weights. Throws
/// `CheckpointError.notAGraftCheckpoint` for any other weight file.
public func readCheckpointMetadata(_ path: String) throws -> CheckpointMetadata {
    try readCheckpointHeader(path).metadata
}

/// The metadata of the Graft checkpoint at `path` with its architecture's definition, if it has one.
private func readCheckpointHeader(_ path: String) throws -> (metadata: CheckpointMetadata, definition: String?) {
    let header = try WeightFormat.detect(path) == .safetensors ? try SafeTensors.readMetadata(path) : [:]
    guard let text = header[CheckpointMetadata.key] else {
        throw CheckpointError.notAGraftCheckpoint(file: path)
    }
    let metadata = try MetadataJSON.decode(CheckpointMetadata.self, from: text, file: path)
    guard metadata.formatVersion <= CheckpointMetadata.currentFormatVersion else {
        throw CheckpointError.badMetadata(file: path, reason: "format version \(metadata.formatVersion) is newer than this Graft reads (\(CheckpointMetadata.currentFormatVersion))")
    }
    return (metadata, header[CheckpointMetadata.definitionKey])
}

/// Rebuilds the model a Graft checkpoint describes (architecture and head), loads its weights
/// strictly and puts it in eval mode. `GlobalRandom.generator` is left as it was.
public func loadCheckpoint(_ path: String) throws -> LoadedCheckpoint {
    let (metadata, definition) = try readCheckpointHeader(path)
    let spec = try checkedSpec(metadata, definition: definition, file: path)
    let model = try spec.makeUndrawn(head: metadata.head)
    try loadWeights(into: model, from: path, strict: true)
    model.eval()
    let ranges = try metadata.activationRanges.map { try checkedActivationRanges($0, model: model, file: path) }
    return LoadedCheckpoint(spec: spec, model: model, metadata: metadata, activationRanges: ranges)
}

/// The spec the metadata names (built from `definition` when the checkpoint carries one), after
/// checking its head, preprocessing and class names: every size is within its documented
/// maximum (`HeadConfig`, `Preprocessing`) before anything is built.
private func checkedSpec(_ metadata: CheckpointMetadata, definition: String?, file: String) throws -> ModelSpec {
    let spec: ModelSpec
    if let definition {
        do {
            spec = try ImportedGraph.spec(definition: definition, name: metadata.architecture, preprocessing: metadata.preprocessing)
        } catch {
            throw CheckpointError.badMetadata(file: file, reason: "'\(CheckpointMetadata.definitionKey)': \(error)")
        }
    } else if let known = try? ModelZoo.spec(metadata.architecture) {
        spec = known
    } else {
        throw CheckpointError.unknownArchitecture(file: file, name: metadata.architecture)
    }
    if let (key, problem) = metadata.head.invalidField {
        throw CheckpointError.badMetadata(file: file, reason: "'head.\(key)' \(problem)")
    }
    if let (key, problem) = metadata.preprocessing.invalidField(expectedChannels: spec.preprocessing.channels) {
        throw CheckpointError.badMetadata(file: file, reason: "'preprocessing.\(key)' \(problem)")
    }
    guard metadata.classNames.count == metadata.head.classes else {
        throw CheckpointError.classCountMismatch(file: file, classNames: metadata.classNames.count, headClasses: metadata.head.classes)
    }
    return spec
}

private func describe(_ head: HeadConfig) -> String {
    "\(head.hidden.map(String.init).joined(separator: "-"))\(head.hidden.isEmpty ? "" : "-")\(head.classes)"
}
