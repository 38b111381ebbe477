import Foundation
import GraftIO
import GraftModels

/// Writes the model an imported spec (an ONNX file, `ModelSpec.includedWeights`) is built
/// with to `output`: a safetensors Graft checkpoint that carries the graph (so that `graft
/// predict --model output` needs nothing else; its classes are named by their indices), or a
/// PyTorch checkpoint of its state dict with that metadata beside it.
public func exportImportedModel(_ spec: ModelSpec, to output: String) throws -> WeightExport {
    let classes = spec.defaultNumClasses
    let model = try spec.make(numClasses: classes)
    let metadata = CheckpointMetadata(architecture: spec.name, head: HeadConfig(classes: classes),
                                      classNames: (0..<classes).map(String.init), preprocessing: spec.preprocessing,
                                      weights: spec.includedWeights)
    let checkpoint = output + ".graft-\(getpid()).safetensors"
    try saveCheckpoint(model, metadata: metadata, to: checkpoint)
    defer { try? FileManager.default.removeItem(atPath: checkpoint) }
    return try exportWeights(from: checkpoint, to: output)
}
