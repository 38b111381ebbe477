/// `graph` with each ReLU that alone reads a batch norm's output computed by the batch norm
/// (oneDNN's fused ReLU, forward and backward): a `relu` node whose input is the output of a
/// `batchNorm` without ReLU, read by nothing else and not a graph output, goes; the batch norm
/// applies it and writes the ReLU's output, in the module holding both. Valid in training (the
/// batch norm's statistics and gradients are the same) as in inference.
public func fuseBatchNormReLU(_ graph: Graph) -> Graph {
    let (readers, producers) = (graph.readers, graph.producers)
    var fused = graph
    var removed = Set<Int>()
    for (i, node) in graph.nodes.enumerated() {
        guard case .relu = node.op, case .value(let input)? = node.inputs.first, readers[input] == 1,
              let b = producers[input],
              case .batchNorm(let affine, let eps, false, let training, let momentum) = graph.nodes[b].op else { continue }
        fused.nodes[b].op = .batchNorm(affine: affine, eps: eps, relu: true, training: training, momentum: momentum)
        fused.nodes[b].output = node.output
        fused.nodes[b].scope = commonScope(graph.nodes[b].scope, node.scope)
        removed.insert(i)
    }
    return fused.removingNodes(at: removed)
}
