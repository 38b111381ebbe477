/// `graph` with each batch norm on running statistics that directly follows a convolution folded
/// into it: a `conv2d` (without post-ops) whose output only that `batchNorm` reads, and that
/// is not a graph output, becomes one `conv2dBatchNorm` node writing the batch norm's output
/// (its ReLU, if it had one, as the convolution's post-op), in the module holding both. The fold
/// is exact up to rounding; a batch norm that trains stays.
/// The folded node reads the same parameters by name, so it sees them change.
public func foldBatchNorms(_ graph: Graph) -> Graph {
    let (readers, producers) = (graph.readers, graph.producers)
    var folded = graph
    var removed = Set<Int>()
    for (i, bn) in graph.nodes.enumerated() {
        guard case .batchNorm(let affine, let eps, let relu, false, _) = bn.op, case .value(let convOutput)? = bn.inputs.first,
              readers[convOutput] == 1, let c = producers[convOutput],
              case .conv2d(let config, let hasBias, false, nil) = graph.nodes[c].op else { continue }
        let conv = graph.nodes[c]
        folded.nodes[i] = GraphNode(
            op: .conv2dBatchNorm(config, hasBias: hasBias, affine: affine, eps: eps, sum: false, activation: relu ? .relu : nil),
            inputs: conv.inputs + bn.inputs.dropFirst(), output: bn.output, flops: conv.flops,
            scope: commonScope(conv.scope, bn.scope))
        removed.insert(c)
    }
    return folded.removingNodes(at: removed)
}
