/// The number format each value of `graph` is stored in when it runs at `precision`, by value
/// id. Under float32 everything is float32. Under bfloat16 a convolution without groups or a
/// depthwise one (a group per input channel) writes bfloat16; other grouped ones stay float32:
/// with oneDNN 2.6, RegNet-Y-400MF's 8-channel groups in bfloat16 made its plan about 3×
/// slower, while depthwise ones in bfloat16 (no float32 round trip around each) made
/// MobileNet-v2's 1.7× and EfficientNet-Lite0's 2.6× faster. Element-wise activations, sums
/// and products (one operand of the output's shape, the other of it or broadcast), poolings
/// and concatenations keep bfloat16 when every value they read has it, and batch
/// normalisation when its input has it; everything else (the head's linear layer, softmax,
/// LRN, reshapes, ops the executor runs eagerly) writes float32. Graph inputs are float32.
public func assignPrecision(_ graph: Graph, _ precision: ComputePrecision) -> [Int: ComputePrecision] {
    var result: [Int: ComputePrecision] = [:]
    for id in graph.inputs { result[id] = .float32 }
    guard precision == .bfloat16 else {
        for node in graph.nodes { result[node.output] = .float32 }
        return result
    }
    let shapes = Dictionary(graph.values.map { ($0.id, $0.shape) }, uniquingKeysWith: { a, _ in a })
    for node in graph.nodes {
        let read = node.inputs.compactMap { operand -> Int? in if case .value(let id) = operand { return id }; return nil }
        let allLow = !read.isEmpty && read.allSatisfy { result[$0] == .bfloat16 } && read.count == node.inputs.count
        let keeps: Bool
        switch node.op {
        case .conv2d(let config, _, _, _), .conv2dBatchNorm(let config, _, _, _, _, _):
            keeps = config.groups == 1 || read.first.flatMap { shapes[$0]?[1] } == config.groups
        case .relu, .relu6, .sigmoid, .tanh, .hardswish, .hardsigmoid, .silu, .gelu, .leakyReLU, .maxPool2d, .avgPool2d,
             .adaptiveAvgPool2d, .concat:
            keeps = allLow
        case .add, .mul: keeps = allLow && read.contains { shapes[$0] == shapes[node.output] }
        case .batchNorm:
            if case .value(let id) = node.inputs.first { keeps = result[id] == .bfloat16 } else { keeps = false }
        default: keeps = false
        }
        result[node.output] = keeps ? .bfloat16 : .float32
    }
    return result
}
