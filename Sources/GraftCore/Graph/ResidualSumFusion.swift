/// `graph` with each residual sum done by a convolution: an `add` of the output of a `conv2d` or
/// `conv2dBatchNorm` without post-ops, read by nothing else, and another value of the same shape
/// and element type becomes that convolution with a sum post-op, at the add's place (where the
/// other value is ready), reading the other value as its last operand and writing the add's
/// output, in the module holding both. `fuseActivations` after it fuses the activation that
/// follows the sum.
public func fuseResidualSums(_ graph: Graph) -> Graph {
    let (readers, producers) = (graph.readers, graph.producers)
    var fused = graph
    var removed = Set<Int>()
    for (i, add) in graph.nodes.enumerated() {
        guard case .add = add.op, add.inputs.count == 2, graph.values.indices.contains(add.output) else { continue }
        let result = graph.values[add.output]
        func sameAsResult(_ operand: GraphOperand) -> Bool {
            guard case .value(let id) = operand, graph.values.indices.contains(id) else { return false }
            return graph.values[id].shape == result.shape && graph.values[id].dtype == result.dtype
        }
        for (k, operand) in add.inputs.enumerated() {
            let other = add.inputs[1 - k]
            guard case .value(let id) = operand, operand != other, readers[id] == 1, let c = producers[id], !removed.contains(c),
                  sameAsResult(operand), sameAsResult(other) else { continue }
            let conv = graph.nodes[c]
            switch conv.op {
            case .conv2d(let config, let hasBias, false, nil):
                fused.nodes[i].op = .conv2d(config, hasBias: hasBias, sum: true, activation: nil)
            case .conv2dBatchNorm(let config, let hasBias, let affine, let eps, false, nil):
                fused.nodes[i].op = .conv2dBatchNorm(config, hasBias: hasBias, affine: affine, eps: eps, sum: true, activation: nil)
            default:
                continue
            }
            fused.nodes[i].inputs = conv.inputs + [other]
            fused.nodes[i].flops = conv.flops + add.flops
            fused.nodes[i].scope = commonScope(conv.scope, add.scope)
            removed.insert(c)
            break
        }
    }
    return fused.removingNodes(at: removed)
}
