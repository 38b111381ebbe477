import Foundation
import GraftCore
import GraftModels
import GraftNN

/// `graft inspect MODEL --graph [--precision P] [--freeze POLICY]`: the compiled plan of one
/// image's forward in inference at `precision` (`ExecutionPlan` of the optimised traced graph),
/// one line per step (`%5 = conv2d_batch_norm(%4; layer1.0.conv1.weight, …) stride=1x1 …
/// post=relu -> 1x64x56x56 bf16 nChw16c  buffer 3, 784.0 KB  115.61 MFLOPs  @layer1.0`;
/// reorders, the entry copy and ops run eagerly show as such), then the totals: steps, reorders,
/// eager ops, GFLOPs, planned memory against a buffer per value. With `freeze`, the part of a
/// training step under that policy that trains nothing and so runs compiled
/// (`TrainingForward.frozenPart`), for a batch of two. An int8 plan shows each 8-bit value's
/// step and each quantisation's scale, its activation ranges calibrated on one image of seeded
/// normal noise (the model's weights are random here too).
public func describeGraph(_ name: String, precision: ComputePrecision = .float32, freeze: FreezePolicy? = nil) throws -> String {
    let spec = try ModelZoo.spec(name)
    try Engine.shared.checkSupported(precision)
    let model = try spec.make(numClasses: spec.defaultNumClasses)
    guard let freeze else {
        let graph = optimizedForInference(try traceGraph(model, input: Tensor.zeros([1] + spec.inputShape)))
        var ranges = ActivationRanges(), note = ""
        if precision == .int8 {
            var generator = RandomGenerator(seed: 0)
            let count = spec.inputShape.reduce(1, *)
            let noise = Tensor(shape: [1] + spec.inputShape, data: (0..<count).map { _ in generator.nextNormal() })
            ranges = try calibrateActivationRanges(graph, parameters: graphParameters(of: model), batches: [[noise]])
            note = "; activation ranges calibrated on one image of seeded normal noise"
        }
        let plan = try ExecutionPlan(graph, parameters: graphParameters(of: model), precision: precision, ranges: ranges)
        return describe(plan, title: "\(spec.name): compiled plan of one image in inference, \(precision.rawValue)\(note)", images: 1)
    }
    guard precision != .int8 else {
        throw GraftError.invalidArgument(op: "inspect", detail: "--precision int8 with --freeze: see the frozen part in fp32 or bf16")
    }
    _ = try freeze.apply(to: model, spec: spec)
    setTrainingMode(model)
    let outer = Engine.shared.precision
    try Engine.shared.setPrecision(precision)
    defer { try? Engine.shared.setPrecision(outer) }
    let forward = TrainingForward(model)
    _ = try forward(Tensor.zeros([2] + spec.inputShape))
    guard let plan = forward.frozenPart else {
        return "\(spec.name), training with --freeze \(freeze): every op reads a trained parameter or trains, so none runs compiled"
    }
    return describe(plan, title: "\(spec.name), training with --freeze \(freeze): the frozen part, compiled, of a batch of two images, "
                    + "\(precision.rawValue); the rest trains on its outputs", images: 2)
}

/// `plan` (of a batch of `images`) as text, one line per step, then totals.
func describe(_ plan: ExecutionPlan, title: String, images: Int) -> String {
    func kilobytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) : String(format: "%.1f KB", Double(bytes) / 1024)
    }
    var lines = [title]
    for step in plan.steps {
        let operands = step.inputs.map { "%\($0)" }.joined(separator: ", ")
            + (step.parameters.isEmpty ? "" : "; " + step.parameters.joined(separator: ", "))
        let attributes = step.attributes.isEmpty ? "" : " " + step.attributes.joined(separator: " ")
        lines.append("%\(step.output) = \(step.op)\(operands.isEmpty ? "" : "(\(operands))")\(attributes) -> \(step.shape.map(String.init).joined(separator: "x"))"
                     + " \(step.precision)\(step.step == 1 ? "" : String(format: " step=%.4g", step.step)) \(step.layout)  buffer \(step.buffer), \(kilobytes(step.bytes))"
                     + (step.flops > 0 ? String(format: "  %.2f MFLOPs", Double(step.flops) / 1e6) : "")
                     + (step.scope.isEmpty ? "" : "  @" + step.scope))
    }
    let reorders = plan.steps.filter { ["reorder", "quantize", "dequantize"].contains($0.op) }.count
    let eager = plan.steps.filter { $0.op.hasPrefix("eager:") }.count
    let flops = plan.steps.reduce(0) { $0 + $1.flops }
    lines.append(String(format: "total: %d steps (%d reorders, %d ops run eagerly), %.3f GFLOPs per image; memory planned %@ (a buffer per value: %@)",
                        plan.steps.count, reorders, eager, Double(flops) / 1e9 / Double(images), kilobytes(plan.plannedBytes), kilobytes(plan.unplannedBytes)))
    return lines.joined(separator: "\n")
}
