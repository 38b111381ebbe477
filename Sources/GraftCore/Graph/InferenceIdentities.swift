/// `graph` without the nodes that compute nothing in inference: dropout and stochastic depth
/// that do not train (they return their input) and reshapes to the shape
/// their input already has. Whatever read such a node's output, a graph output included,
/// reads its input instead.
public func dropInferenceIdentities(_ graph: Graph) -> Graph {
    var replacement: [Int: GraphOperand] = [:]
    func resolved(_ operand: GraphOperand) -> GraphOperand {
        guard case .value(let id) = operand, let r = replacement[id] else { return operand }
        return r
    }
    var result = graph
    result.nodes = []
    for var node in graph.nodes {
        node.inputs = node.inputs.map(resolved)
        if let input = node.inputs.first, isIdentity(node, input: input, graph.values) {
            replacement[node.output] = input
        } else {
            result.nodes.append(node)
        }
    }
    result.outputs = graph.outputs.map(resolved)
    return result
}

/// Whether `node` returns `input` unchanged in inference.
private func isIdentity(_ node: GraphNode, input: GraphOperand, _ values: [GraphValue]) -> Bool {
    switch node.op {
    case .dropout(_, let training), .stochasticDepth(_, _, let training): return !training
    case .reshape:
        guard case .value(let id) = input, values.indices.contains(id), values.indices.contains(node.output) else { return false }
        return values[id].shape == values[node.output].shape
    default: return false
    }
}
