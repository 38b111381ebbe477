/// `graph` with each activation a convolution can apply itself (`FusedActivation`) fused into
/// it: a `relu`, `relu6`, `hardswish`, `silu` or `sigmoid` node whose input is the output of a
/// `conv2d` or `conv2dBatchNorm` without an activation, read by nothing else and not a graph
/// output, goes; the convolution applies it as its post-op and writes the activation's
/// output, in the module holding both.
public func fuseActivations(_ graph: Graph) -> Graph {
    let (readers, producers) = (graph.readers, graph.producers)
    var fused = graph
    var removed = Set<Int>()
    for (i, node) in graph.nodes.enumerated() {
        guard let activation = FusedActivation(node.op), case .value(let input)? = node.inputs.first,
              readers[input] == 1, let c = producers[input] else { continue }
        switch graph.nodes[c].op {
        case .conv2d(let config, let hasBias, let sum, nil):
            fused.nodes[c].op = .conv2d(config, hasBias: hasBias, sum: sum, activation: activation)
        case .conv2dBatchNorm(let config, let hasBias, let affine, let eps, let sum, nil):
            fused.nodes[c].op = .conv2dBatchNorm(config, hasBias: hasBias, affine: affine, eps: eps, sum: sum, activation: activation)
        default:
            continue
        }
        fused.nodes[c].output = node.output
        fused.nodes[c].flops += node.flops
        fused.nodes[c].scope = commonScope(graph.nodes[c].scope, node.scope)
        removed.insert(i)
    }
    return fused.removingNodes(at: removed)
}

private extension FusedActivation {
    /// The post-op computing `op`, if `op` is an activation a convolution can apply.
    init?(_ op: GraphOp) {
        switch op {
        case .relu: self = .relu
        case .relu6: self = .relu6
        case .hardswish: self = .hardswish
        case .silu: self = .silu
        case .sigmoid: self = .sigmoid
        default: return nil
        }
    }
}
