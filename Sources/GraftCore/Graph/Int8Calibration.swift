/// Calibrates the activations an int8 plan of `graph` (already `optimizedForInference`)
/// quantises: runs the graph eagerly in float32 on each of `batches` (the graph's inputs, in
/// order) and records the smallest and largest value of each activation under the names
/// `assignInt8` gives it (`recorded`), over all batches. The same graph, parameters and batches give the same ranges. Throws
/// `GraftError.invalidArgument` naming the activation if one is not finite.
public func calibrateActivationRanges(_ graph: Graph, parameters: [String: Tensor], batches: [[Tensor]]) throws -> ActivationRanges {
    let names = assignInt8(graph).recorded
    var ranges = ActivationRanges()
    func record(_ id: Int, _ t: Tensor) throws {
        guard let names = names[id], let name = names.first, t.count > 0 else { return }
        var (low, high) = (Float.infinity, -Float.infinity)
        for v in t.toArray() {
            guard v.isFinite else {
                throw GraftError.invalidArgument(op: "int8 calibration", detail: "activation '\(name)' is not finite (\(v))")
            }
            low = min(low, v); high = max(high, v)
        }
        ranges.merge(ActivationRanges(Dictionary(names.map { ($0, ActivationRanges.Range(min: low, max: high)) }, uniquingKeysWith: { a, _ in a })))
    }
    try GradMode.withoutGradients {
        for batch in batches {
            guard batch.count == graph.inputs.count else {
                throw GraftError.invalidArgument(op: "int8 calibration", detail: "the graph takes \(graph.inputs.count) inputs, got \(batch.count)")
            }
            var values: [Int: Tensor] = [:]
            for (id, x) in zip(graph.inputs, batch) { values[id] = x; try record(id, x) }
            var lastReader: [Int: Int] = [:]
            for (index, node) in graph.nodes.enumerated() {
                for case .value(let id) in node.inputs { lastReader[id] = index }
            }
            for (index, node) in graph.nodes.enumerated() {
                let operands = try node.inputs.map { operand -> Tensor in
                    switch operand {
                    case .value(let id):
                        guard let t = values[id] else { throw GraftError.invalidState("int8 calibration: value %\(id) read before it is written") }
                        return t
                    case .parameter(let name):
                        guard let t = parameters[name] else { throw GraftError.invalidArgument(op: "int8 calibration", detail: "no parameter '\(name)'") }
                        return t
                    case .constant(let i): return graph.constants[i].tensor
                    }
                }
                let y = try runGraphOp(node.op, operands)
                try record(node.output, y)
                values[node.output] = y
                for case .value(let id) in node.inputs where lastReader[id] == index { values[id] = nil }
            }
        }
    }
    return ranges
}
