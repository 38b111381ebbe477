/// Calibrates the activations an int8 plan of `graph` (already `optimizedForInference`)
/// quantises: runs the graph eagerly in float32 on each of `batches` (the graph's inputs, in
/// order) and records the smallest and largest value and the mean square of each activation
/// under the names `assignInt8` gives it (`recorded`), over all batches. The same graph,
/// parameters and batches give the same ranges. Throws `GraftError.invalidArgument` naming
/// the activation if one is not finite.
public func calibrateActivationRanges(_ graph: Graph, parameters: [String: Tensor], batches: [[Tensor]]) throws -> ActivationRanges {
    let names = assignInt8(graph).recorded
    var ranges = ActivationRanges()
    func record(_ id: Int, _ t: Tensor) throws {
        guard let names = names[id], let name = names.first, t.count > 0 else { return }
        var (low, high, squares) = (Float.infinity, -Float.infinity, 0.0)
        for v in t.toArray() {
            guard v.isFinite else {
                throw GraftError.invalidArgument(op: "int8 calibration", detail: "activation '\(name)' is not finite (\(v))")
            }
            low = min(low, v); high = max(high, v); squares += Double(v) * Double(v)
        }
        let range = ActivationRanges.Range(min: low, max: high, meanSquare: Float(squares / Double(t.count)), samples: t.count)
        ranges.merge(ActivationRanges(Dictionary(names.map { ($0, range) }, uniquingKeysWith: { a, _ in a })))
    }
    try GradMode.withoutGradients {
        for batch in batches { _ = try interpret(graph, inputs: batch, parameters: parameters, random: nil, observing: record) }
    }
    return ranges
}
