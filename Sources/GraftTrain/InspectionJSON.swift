import Foundation
import GraftHub
import GraftIO
import GraftModels
import GraftNN

/// The JSON inspection of a zoo model: `{"model", "input", "head", "auxiliary_heads", "stages",
/// "parameters", "trainable", "flops", "layers": [{"name", "type", "output", "parameters", "flops"}]}`,
/// and for `weights` a published set's `"weights"` (as `graft weights list --json`, cached
/// according to `store`, by default the environment's) or a weight file's
/// `"weights_file": {"file", "classes"}` once it has loaded strictly.
public func describeModelJSON(_ name: String, weights: WeightsChoice = .none, store: WeightStore? = nil) throws -> String {
    struct Layer: Encodable { let name, type: String; let output: [Int]; let parameters, flops: Int }
    struct WeightFile: Encodable { let file: String; let classes: Int }
    struct Model: Encodable {
        let model: String; let input: [Int]; let head: String; let auxiliary_heads, stages: [String]
        let parameters, trainable, flops: Int; let layers: [Layer]
        let weights: WeightSetEntry?; let weights_file: WeightFile?
    }
    let spec = try ModelZoo.spec(name)
    var set: WeightSetEntry? = nil, file: WeightFile? = nil
    switch weights {
    case .pretrained(let s):
        set = WeightSetEntry(spec: spec, set: s, store: try store ?? WeightStore(settings: .resolve()))
    case .file(let path): file = WeightFile(file: path, classes: try modelLoaded(from: path, spec: spec).classes)
    case .none, .included: break
    }
    let model = try spec.make(numClasses: spec.defaultNumClasses)
    let rows = try summarize(model, inputShape: spec.inputShape)
    return jsonObjectLine(Model(model: spec.name, input: spec.inputShape, head: model.headPath,
                                auxiliary_heads: model.auxiliaryHeadPaths, stages: model.stagePaths, parameters: model.parameterCount,
                                trainable: model.trainableParameterCount, flops: rows.reduce(0) { $0 + $1.flops },
                                layers: rows.map { Layer(name: $0.name, type: $0.type, output: $0.outputShape,
                                                         parameters: $0.parameters, flops: $0.flops) },
                                weights: set, weights_file: file))
}

/// The JSON inspection of a weight file: `{"file", "tensors": [{"name", "dtype", "shape"}], "fits":
/// [{"model", "classes"}]}` (the zoo models the file loads into exactly), plus the checkpoint
/// metadata when the file has any.
public func describeWeightFileJSON(_ path: String) throws -> String {
    struct Entry: Encodable { let name, dtype: String; let shape: [Int] }
    struct Fit: Encodable { let model: String; let classes: Int }
    struct File: Encodable { let file: String; let tensors: [Entry]; let fits: [Fit]; let metadata: [String: String]? }
    let entries = try readWeights(path)
    let metadata = (try? WeightFormat.detect(path)) == .safetensors ? try? SafeTensors.readMetadata(path) : nil
    return jsonObjectLine(File(file: path, tensors: entries.map { Entry(name: $0.0, dtype: "\($0.1.dtype)", shape: $0.1.shape) },
                               fits: try zooFits(entries).filter(\.isExact).map { Fit(model: $0.model, classes: $0.classes) },
                               metadata: metadata.flatMap { $0.isEmpty ? nil : $0 }))
}
