import Foundation
import GraftCore
import GraftHub
import GraftModels
import GraftNN
import GraftONNX

/// `graft inspect MODEL` as text: one line per layer, then the totals; then, for `weights`, a
/// published set's facts (with where `store` caches it; by default the environment's store) or
/// how a weight file loads into the model.
public func describeModel(_ name: String, weights: WeightsChoice = .none, store: WeightStore? = nil) throws -> String {
    let spec = try ModelZoo.spec(name)
    let model = try spec.make(numClasses: spec.defaultNumClasses)
    let rows = try summarize(model, inputShape: spec.inputShape)
    let nameWidth = max(5, rows.map(\.name.count).max() ?? 0)
    let typeWidth = max(4, rows.map(\.type.count).max() ?? 0)
    func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
    let input = spec.inputShape.map(String.init).joined(separator: "×")
    let auxiliary = model.auxiliaryHeadPaths.isEmpty ? "" : ", auxiliary heads " + model.auxiliaryHeadPaths.joined(separator: ", ")
    var lines = ["\(spec.name): input \(input), head \(model.headPath)\(auxiliary)",
                 "stages: " + model.stagePaths.joined(separator: ", "),
                 pad("layer", nameWidth) + "  " + pad("type", typeWidth) + "  " + pad("output", 16) + lpad("params", 12) + lpad("MFLOPs", 12)]
    for r in rows {
        lines.append(pad(r.name, nameWidth) + "  " + pad(r.type, typeWidth) + "  "
                     + pad(r.outputShape.map(String.init).joined(separator: "×"), 16)
                     + lpad("\(r.parameters)", 12) + lpad(String(format: "%.2f", Double(r.flops) / 1e6), 12))
    }
    // An imported graph runs its ops in the model's own forward, outside any layer: count them whole.
    let flops = model is ImportedModel
        ? try GradMode.withoutGradients { try FLOPCounter.counting { try model(Tensor.zeros([1] + spec.inputShape)) }.1 }
        : rows.reduce(0) { $0 + $1.flops }
    lines.append(String(format: "total: %d parameters (%d trainable), %.3f GFLOPs per image",
                        model.parameterCount, model.trainableParameterCount, Double(flops) / 1e9))
    if let imported = model as? ImportedModel { lines += imported.graph.summaryLines }
    switch weights {
    case .pretrained(let set): lines.append(describeWeightSet(set, of: spec, store: try store ?? WeightStore(settings: .resolve())))
    case .file(let path): lines.append("weights: \(path) loads into \(spec.name) strictly, \(try modelLoaded(from: path, spec: spec).classes) classes")
    case .none, .included: break
    }
    return lines.joined(separator: "\n")
}
