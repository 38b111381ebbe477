/// Runs `graph` eagerly, node by node, with the GraftCore op each node names: the reference
/// that passes and executors are checked against. `inputs` are the graph's inputs in order;
/// `parameters` gives each parameter or buffer the nodes read by its dotted name (read when
/// the node runs, so they hold their current values). Dropout and stochastic depth that train
/// draw their masks through `random`, given each node's scope. Returns the graph's outputs.
public func interpret(_ graph: Graph, inputs: [Tensor], parameters: [String: Tensor],
                      random: GraphRandomSource? = nil) throws -> [Tensor] {
    try interpret(graph, inputs: inputs, parameters: parameters, random: random, observing: { _, _ in })
}

/// `interpret`, handing `observe` each input and each node's result with its value id as it
/// is made (int8 calibration reads the ranges of the activations so).
func interpret(_ graph: Graph, inputs: [Tensor], parameters: [String: Tensor], random: GraphRandomSource?,
               observing observe: (_ value: Int, _ tensor: Tensor) throws -> Void) throws -> [Tensor] {
    guard inputs.count == graph.inputs.count else {
        throw GraftError.invalidArgument(op: "interpret", detail: "the graph takes \(graph.inputs.count) inputs, got \(inputs.count)")
    }
    var values: [Int: Tensor] = [:]
    for (id, x) in zip(graph.inputs, inputs) {
        values[id] = x
        try observe(id, x)
    }
    func tensor(_ operand: GraphOperand) throws -> Tensor {
        switch operand {
        case .value(let id):
            guard let t = values[id] else { throw GraftError.invalidState("interpret: value %\(id) is read before it is written") }
            return t
        case .parameter(let name):
            guard let t = parameters[name] else { throw GraftError.invalidArgument(op: "interpret", detail: "no parameter '\(name)'") }
            return t
        case .constant(let index):
            guard graph.constants.indices.contains(index) else { throw GraftError.invalidState("interpret: no constant #\(index)") }
            return graph.constants[index].tensor
        }
    }
    var lastReader: [Int: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
        for case .value(let id) in node.inputs { lastReader[id] = index }
    }
    for case .value(let id) in graph.outputs { lastReader[id] = graph.nodes.count }
    for (index, node) in graph.nodes.enumerated() {
        values[node.output] = try runGraphOp(node.op, node.inputs.map(tensor)) { draw in
            guard let random else {
                throw GraftError.invalidArgument(op: "interpret", detail: "\(node.op.name) in training needs a random source")
            }
            return try random(node.scope, draw)
        }
        if let y = values[node.output] { try observe(node.output, y) }
        // A value no later node reads is let go now, as eager code lets it go (autodiff keeps what its backward needs).
        for case .value(let id) in node.inputs where lastReader[id] == index { values[id] = nil }
    }
    return try graph.outputs.map(tensor)
}

/// Runs a random op of a graph (`body`, given a generator to draw from) with the generator of
/// the module at `scope`, the node's scope, and returns its result.
public typealias GraphRandomSource = (_ scope: String, _ body: (inout RandomGenerator) throws -> Tensor) throws -> Tensor

/// The result of `op` on `operands` (in the order `GraphOp` documents); `random` runs a random
/// op with its generator (an inference graph has none).
func runGraphOp(_ op: GraphOp, _ operands: [Tensor],
                random: ((inout RandomGenerator) throws -> Tensor) throws -> Tensor = { _ in
                    throw GraftError.invalidState("a random op in an inference graph")
                }) throws -> Tensor {
    var rest = operands[...]
    func next() throws -> Tensor {
        guard let t = rest.popFirst() else {
            throw GraftError.invalidState("interpret: \(op.name) has \(operands.count) operands, too few for its attributes")
        }
        return t
    }
    func nextIf(_ present: Bool) throws -> Tensor? { present ? try next() : nil }
    let x = try next()
    let y: Tensor
    switch op {
    case .conv2d(let config, let hasBias, let sum, let activation):
        let (w, b, addend) = (try next(), try nextIf(hasBias), try nextIf(sum))
        y = try conv2d(x, weight: w, bias: b, config, adding: addend, activation: activation)
    case .conv2dBatchNorm(let config, let hasBias, let affine, let eps, let sum, let activation):
        let (w, b, gamma, beta) = (try next(), try nextIf(hasBias), try nextIf(affine), try nextIf(affine))
        let (mean, variance, addend) = (try next(), try next(), try nextIf(sum))
        y = try conv2dBatchNormInference(x, weight: w, bias: b, config, bnWeight: gamma, bnBias: beta, runningMean: mean,
                                         runningVar: variance, eps: eps, adding: addend, activation: activation)
    case .batchNorm(let affine, let eps, let relu, let training, let momentum):
        let (gamma, beta) = (try nextIf(affine), try nextIf(affine))
        y = try batchNorm(x, weight: gamma, bias: beta, runningMean: next(), runningVar: next(), training: training,
                          momentum: momentum, eps: eps, relu: relu)
    case .linear(let hasBias): y = try linear(x, weight: next(), bias: nextIf(hasBias))
    case .layerNorm2d(let affine, let eps): y = try layerNorm2d(x, weight: nextIf(affine), bias: nextIf(affine), eps: eps)
    case .relu: y = try relu(x)
    case .relu6: y = try relu6(x)
    case .sigmoid: y = try sigmoid(x)
    case .tanh: y = try tanh(x)
    case .hardswish: y = try hardswish(x)
    case .hardsigmoid(let alpha, let beta): y = try hardsigmoid(x, alpha: alpha, beta: beta)
    case .erf: y = try erf(x)
    case .clamp(let low, let high): y = try clamp(x, min: low, max: high)
    case .sub: y = try sub(x, next())
    case .div: y = try div(x, next())
    case .transpose(let perm): y = try transpose(x, permutation: perm)
    case .pad(let before, let after, let mode, let value): y = try pad(x, before: before, after: after, mode: mode, value: value)
    case .layerNorm(let axis, let eps, let affine): y = try layerNorm(x, weight: nextIf(affine), bias: nextIf(affine), axis: axis, eps: eps)
    case .mean(let axes, let keepDims): y = try mean(x, axes: axes, keepDims: keepDims)
    case .silu: y = try silu(x)
    case .gelu: y = try gelu(x)
    case .leakyReLU(let slope): y = try leakyReLU(x, negativeSlope: slope)
    case .scale(let s): y = try scale(x, by: s)
    case .add: y = try add(x, next())
    case .mul: y = try mul(x, next())
    case .maxPool2d(let config): y = try maxPool2d(x, config)
    case .avgPool2d(let config): y = try avgPool2d(x, config)
    case .adaptiveAvgPool2d(let size): y = try adaptiveAvgPool2d(x, outputSize: size)
    case .concat(let axis):
        y = try concat(operands, axis: axis)
        rest = []
    case .narrow(let axis, let start, let length): y = try narrow(x, axis: axis, start: start, length: length)
    case .channelShuffle(let groups): y = try channelShuffle(x, groups: groups)
    case .localResponseNorm(let size, let alpha, let beta, let k): y = try localResponseNorm(x, size: size, alpha: alpha, beta: beta, k: k)
    case .softmax(let axis): y = try softmax(x, axis: axis)
    case .logSoftmax(let axis): y = try logSoftmax(x, axis: axis)
    case .reshape(let shape): y = try x.reshaped(shape)
    case .dropout(let p, true): y = try random { try dropout(x, p: p, training: true, generator: &$0) }
    case .stochasticDepth(let p, let mode, true):
        y = try random { try stochasticDepth(x, p: p, mode: mode, training: true, generator: &$0) }
    case .dropout(_, false), .stochasticDepth(_, _, false): y = x
    }
    guard rest.isEmpty else {
        throw GraftError.invalidState("interpret: \(op.name) has \(operands.count) operands, more than its attributes name")
    }
    return y
}
