import Foundation

/// Which nodes of an optimised graph run on 8-bit integers under `ComputePrecision.int8`, which
/// values are stored as 8-bit integers, and the `ActivationRanges` names of the values an int8
/// node reads or writes: an int8 convolution of parameter `<weight>` reads a float value
/// quantised with the range `<weight>.input`, and an 8-bit value has the range of the
/// convolution that wrote it, `<weight>.output`.
///
/// A convolution is a candidate when its weights are a parameter, it has no groups or is
/// depthwise (a group per input channel), and its input is not a graph input (the first
/// convolution sees the image and stays float). Given calibrated ranges, a candidate runs int8
/// only where its output keeps a signal-to-quantisation-noise ratio of at least
/// `minimumSignalToNoise`: its output's mean square on the calibration batches over the noise
/// of its input's step (`step² / 12` per input value, carried through its batch-norm-folded
/// weights) plus that of its per-channel weight steps (`signalToNoise` holds each figure).
/// The others stay float. Without a measured mean square (ranges from a checkpoint that did
/// not keep it) depthwise candidates stay float and the others run int8.
/// It writes int8 when its activation is none, ReLU or ReLU6 (the others are not linear in the
/// output step: it writes float and applies them there), it is not a graph output, and every
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
    /// The output signal-to-quantisation-noise ratio (dB) of each candidate convolution whose
    /// ranges (with mean squares) and weights were given, by node index.
    public var signalToNoise: [Int: Double] = [:]

    /// The least signal-to-noise ratio (dB) at which a convolution runs int8: the bar above
    /// which EfficientNet-Lite0 with its ImageNet weights kept every photograph's top class
    /// within a few points of float32 (see the README's int8 section).
    public static let minimumSignalToNoise = 37.0
}

/// The int8 assignment of `graph` (already `optimizedForInference`): without `ranges`, every
/// candidate convolution (what calibration measures); with them, those quantisation keeps
/// above `Int8Assignment.minimumSignalToNoise`, judged with `parameters`' weights.
public func assignInt8(_ graph: Graph, ranges: ActivationRanges? = nil, parameters: [String: Tensor] = [:]) -> Int8Assignment {
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
        let config: Conv2dConfig, hasBias: Bool, batchNorm: (affine: Bool, eps: Float)?, sum: Bool
        switch node.op {
        case .conv2d(let c, let b, let s, _): (config, hasBias, batchNorm, sum) = (c, b, nil, s)
        case .conv2dBatchNorm(let c, let b, let affine, let eps, let s, _): (config, hasBias, batchNorm, sum) = (c, b, (affine, eps), s)
        default: continue
        }
        guard let weight = weightName(node), case .value(let x) = node.inputs[0], !inputs.contains(x), let inShape = shapes[x],
              inShape.count == 4, config.groups == 1 || config.groups == inShape[1],
              !node.inputs.dropFirst().dropLast(sum ? 1 : 0).contains(where: { if case .value = $0 { return true }; return false })
        else { continue }
        result.convolutions.insert(index)
        result.recorded[x, default: []].append(weight + ".input")
        result.recorded[node.output, default: []].append(weight + ".output")
        guard let ranges else { continue }
        let sources = node.inputs[1..<(node.inputs.count - (sum ? 1 : 0))].compactMap { operand -> Tensor? in
            if case .parameter(let name) = operand { return parameters[name] }; return nil
        }
        guard let input = ranges.ranges[weight + ".input"], let output = ranges.ranges[weight + ".output"]?.meanSquare,
              sources.count == node.inputs.count - 1 - (sum ? 1 : 0), sources[0].shape.count == 4 else {
            if config.groups != 1 { result.convolutions.remove(index) }
            continue
        }
        let folded = foldedConvolutionParameters(sources, hasBias: hasBias, batchNorm: batchNorm)[0]
        let w = folded.toArray(), channels = folded.shape[0]
        let carried = int8OutputSignalToNoise(outputMeanSquare: output, inputStep: input.step, weight: w, outputChannels: channels)
        let snr = combinedSignalToNoise([carried, int8WeightSignalToNoise(w, outputChannels: channels)])
        result.signalToNoise[index] = snr
        if !(snr >= Int8Assignment.minimumSignalToNoise) { result.convolutions.remove(index) }
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

/// The signal-to-noise ratio (dB) of a convolution's output when its input is rounded to
/// `inputStep`: `outputMeanSquare` over the rounding noise (`inputStep² / 12` per input value,
/// each independent) carried through `weight` (row-major, `outputChannels` rows), averaged
/// over the output channels. Infinite where the weights are all 0.
func int8OutputSignalToNoise(outputMeanSquare: Float, inputStep: Float, weight: [Float], outputChannels: Int) -> Double {
    let squares = weight.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(outputChannels, 1))
    let noise = Double(inputStep) * Double(inputStep) / 12 * squares
    return noise > 0 ? 10 * log10(max(Double(outputMeanSquare) / noise, .leastNormalMagnitude)) : .infinity
}

/// The ratio (dB) of a signal to the sum of independent noises, each given as its own ratio.
func combinedSignalToNoise(_ ratios: [Double]) -> Double {
    -10 * log10(ratios.reduce(0) { $0 + pow(10, -$1 / 10) })
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
