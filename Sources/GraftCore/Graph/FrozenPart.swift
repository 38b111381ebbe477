/// `graph` cut where training starts: the nodes that train nothing — reading only the graph's
/// inputs, constants, parameters not in `trainable` and values of such nodes, and not
/// themselves training (a batch norm on batch statistics, dropout or stochastic depth that
/// draws) — as one graph, whose outputs are the values of theirs the rest reads (or the graph
/// returns); and the rest, taking those values as its inputs, in that order. Nil when no node
/// is frozen. The frozen part can run compiled (`ExecutionPlan`) and the rest record gradients.
public func splitFrozenPart(_ graph: Graph, trainable: Set<String>) -> (frozen: Graph, trained: Graph)? {
    var frozenValues = Set(graph.inputs)
    var frozenNodes: [GraphNode] = [], trainedNodes: [GraphNode] = []
    for node in graph.nodes {
        let frozen = !node.op.trains && node.inputs.allSatisfy { operand in
            switch operand {
            case .value(let id): return frozenValues.contains(id)
            case .parameter(let name): return !trainable.contains(name)
            case .constant: return true
            }
        }
        if frozen {
            frozenNodes.append(node)
            frozenValues.insert(node.output)
        } else {
            trainedNodes.append(node)
        }
    }
    guard !frozenNodes.isEmpty else { return nil }
    var frontier: [Int] = []
    for case .value(let id) in trainedNodes.flatMap(\.inputs) + graph.outputs where frozenValues.contains(id) && !frontier.contains(id) {
        frontier.append(id)
    }
    var frozen = graph, trained = graph
    frozen.nodes = frozenNodes
    frozen.outputs = frontier.map { .value($0) }
    trained.nodes = trainedNodes
    trained.inputs = frontier
    return (frozen, trained)
}

extension GraphOp {
    /// Whether the op trains when it runs: a batch norm on batch statistics (it updates the
    /// running ones), dropout or stochastic depth that draws a mask.
    public var trains: Bool {
        switch self {
        case .batchNorm(_, _, _, let training, _), .dropout(_, let training), .stochasticDepth(_, _, let training): return training
        default: return false
        }
    }
}
