/// A forward pass as data: the ops one traced call ran (`GraphRecorder`), in the order they ran,
/// over values that are graph inputs, op outputs, parameters named as in `stateDict()`, or
/// constants the forward made itself. Passes rewrite it; `interpret` runs it.
public struct Graph {
    /// Every value an op produced or the graph took as input, indexed by `GraphValue.id`.
    public var values: [GraphValue]
    /// The ops in execution order: each reads only inputs, parameters, constants and earlier outputs.
    public var nodes: [GraphNode]
    /// The values the caller supplies, in order.
    public var inputs: [Int]
    /// The values the forward returned, in order.
    public var outputs: [GraphOperand]
    /// Tensors the forward created itself (a fixed shift, a mask), copied when traced.
    public var constants: [GraphConstant]

    public init(values: [GraphValue] = [], nodes: [GraphNode] = [], inputs: [Int] = [], outputs: [GraphOperand] = [],
                constants: [GraphConstant] = []) {
        self.values = values; self.nodes = nodes; self.inputs = inputs; self.outputs = outputs; self.constants = constants
    }

    /// The parameter and buffer names the nodes read, each once, in first-use order.
    public var parameterNames: [String] {
        var seen = Set<String>(), names: [String] = []
        for node in nodes {
            for case .parameter(let name) in node.inputs where seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    /// How many nodes read each value, by value id (an output counts as a reader).
    public var readers: [Int: Int] {
        var count: [Int: Int] = [:]
        for operand in nodes.flatMap(\.inputs) + outputs {
            if case .value(let id) = operand { count[id, default: 0] += 1 }
        }
        return count
    }

    /// The index in `nodes` of the node writing each value, by value id.
    public var producers: [Int: Int] {
        Dictionary(nodes.enumerated().map { ($0.element.output, $0.offset) }, uniquingKeysWith: { _, last in last })
    }

    /// The graph without the nodes at `indices`.
    public func removingNodes(at indices: Set<Int>) -> Graph {
        var graph = self
        graph.nodes = nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
        return graph
    }
}

/// A tensor flowing between ops: its shape and element type.
public struct GraphValue: Sendable, Equatable {
    public var id: Int
    public var shape: [Int]
    public var dtype: DType
}

/// What an op reads.
public enum GraphOperand: Sendable, Hashable {
    /// A graph input or an earlier node's output, by `GraphValue.id`.
    case value(Int)
    /// A model parameter or buffer, by its dotted `stateDict()` name.
    case parameter(String)
    /// An entry of `Graph.constants`.
    case constant(Int)
}

/// A tensor that is part of the graph itself.
public struct GraphConstant {
    /// A private copy, never written.
    public let tensor: Tensor
}

/// One op: what it computes, what it reads and the value it writes.
public struct GraphNode {
    public var op: GraphOp
    public var inputs: [GraphOperand]
    /// The `GraphValue.id` of the result.
    public var output: Int
    /// The floating-point operations the op reported when traced (a multiply-add is two).
    public var flops: Int
    /// The dotted path of the module whose forward ran the op ("" for the model itself).
    public var scope: String

    public init(op: GraphOp, inputs: [GraphOperand], output: Int, flops: Int = 0, scope: String = "") {
        self.op = op; self.inputs = inputs; self.output = output; self.flops = flops; self.scope = scope
    }
}

/// The innermost module holding both scopes (`features.0` for `features.0.0` and `features.0.1`).
func commonScope(_ a: String, _ b: String) -> String {
    zip(a.split(separator: "."), b.split(separator: ".")).prefix { $0 == $1 }.map { String($0.0) }.joined(separator: ".")
}
