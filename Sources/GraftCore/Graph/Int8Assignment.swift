/// Which nodes of an optimised graph run on 8-bit integers under `ComputePrecision.int8`, which
/// values are stored as 8-bit integers, and the `ActivationRanges` names of the values an int8
/// node reads or writes: an int8 convolution of parameter `<weight>` reads a float value
/// quantised with the range `<weight>.input`, and an 8-bit value has the range of the
/// convolution that wrote it, `<weight>.output`.
///
/// A convolution runs int8 when its weights are a parameter, it has no groups, and its input is
/// not a graph input (the first convolution sees the image and stays float32). Grouped and
/// depthwise ones stay float32: oneDNN 2.6 runs depthwise ones int8 (`brdgmm_dw`, about 1.5×
/// MobileNet-v2's bf16 plan), but with EfficientNet-Lite0's ImageNet weights they cost too much
/// accuracy (an espresso photograph's top probability fell from 85% to 42%; 88% without them).
/// It writes int8 when its activation is none, ReLU or ReLU6 (the others are not linear in the
/// output step: it writes float32 and applies them there), it is not a graph output, and every
/// reader is an int8 convolution (as input or residual addend) or a max pooling whose readers
/// all are; that pooling then runs int8 on the same step. Everything else stays float, and the
/// plan quantises or dequantises with a scaled reorder where a value crosses.
public struct Int8Assignment: Sendable {
    /// Indices in `graph.nodes` of the convolutions that multiply int8.
    public var convolutions: Set<Int> = []
    /// Value ids stored as 8-bit integers.
    public var int8Values: Set<Int> = []
    /// The range name of each 8-bit value, by value id.
    public var names: [Int: String] = [:]
    /// The names calibration records each value's range under: every int8 convolution's input
    /// as `<weight>.input` and output as `<weight>.output`, whether or not this graph quantises
    /// it there, so that a part of the graph (a frozen prefix, where another value crosses) finds its
    /// ranges among those of the whole.
    public var recorded: [Int: [String]] = [:]
}

/// The int8 assignment of `graph` (already `optimizedForInference`).
public func assignInt8(_ graph: Graph) -> Int8Assignment {
    var result = Int8Assignment()
    let shapes = Dictionary(graph.values.map { ($0.id, $0.shape) }, uniquingKeysWith: { a, _ in a })
    let outputs = Set(graph.outputs.compactMap { operand -> Int? in if case .value(let id) = operand { return id }; return nil })
    let inputs = Set(graph.inputs)
    var readers: [Int: [(node: Int, position: Int)]] = [:]
    for (index, node) in graph.nodes.enumerated() {
        for (position, operand) in node.inputs.enumerated() { if case .value(let id) = operand { readers[id, default: []].append((index, position)) } }
    }
    func weightName(_ node: GraphNode) -> String? {
        guard node.inputs.count > 1, case .parameter(let name) = node.inputs[1] else { return nil }
        return name
    }
    for (index, node) in graph.nodes.enumerated() {
        let config: Conv2dConfig, sum: Bool
        switch node.op {
        case .conv2d(let c, _, let s, _): (config, sum) = (c, s)
        case .conv2dBatchNorm(let c, _, _, _, let s, _): (config, sum) = (c, s)
        default: continue
        }
        guard weightName(node) != nil, case .value(let x) = node.inputs[0], !inputs.contains(x), shapes[x]?.count == 4, config.groups == 1,
              !node.inputs.dropFirst().dropLast(sum ? 1 : 0).contains(where: { if case .value = $0 { return true }; return false })
        else { continue }
        result.convolutions.insert(index)
    }
    /// Whether a reader takes an int8 value: an int8 convolution's input or addend.
    func convolutionReads(_ reader: (node: Int, position: Int)) -> Bool {
        guard result.convolutions.contains(reader.node) else { return false }
        return reader.position == 0 || reader.position == graph.nodes[reader.node].inputs.count - 1 && convolutionSums(graph.nodes[reader.node].op)
    }
    func int8Pooling(_ index: Int) -> Bool {
        guard case .maxPool2d = graph.nodes[index].op else { return false }
        let out = graph.nodes[index].output
        return !outputs.contains(out) && (readers[out] ?? []).allSatisfy(convolutionReads) && readers[out] != nil
    }
    for index in graph.nodes.indices where result.convolutions.contains(index) {
        let node = graph.nodes[index]
        guard let weight = weightName(node) else { continue }
        let out = node.output
        if case .value(let x) = node.inputs[0] { result.recorded[x, default: []].append(weight + ".input") }
        result.recorded[out, default: []].append(weight + ".output")
        let linear = [nil, .relu, .relu6].contains(convolutionActivation(node.op))
        guard linear, !outputs.contains(out), let rs = readers[out],
              rs.allSatisfy({ convolutionReads($0) || ($0.position == 0 && int8Pooling($0.node)) }) else { continue }
        result.int8Values.insert(out)
        result.names[out] = weight + ".output"
        for r in rs where int8Pooling(r.node) {
            result.int8Values.insert(graph.nodes[r.node].output)
            result.names[graph.nodes[r.node].output] = weight + ".output"
        }
    }
    return result
}

/// Whether a convolution op adds a residual (its last operand).
func convolutionSums(_ op: GraphOp) -> Bool {
    switch op {
    case .conv2d(_, _, let sum, _), .conv2dBatchNorm(_, _, _, _, let sum, _): return sum
    default: return false
    }
}

/// A convolution op's fused activation.
func convolutionActivation(_ op: GraphOp) -> FusedActivation? {
    switch op {
    case .conv2d(_, _, _, let a), .conv2dBatchNorm(_, _, _, _, _, let a): return a
    default: return nil
    }
}
