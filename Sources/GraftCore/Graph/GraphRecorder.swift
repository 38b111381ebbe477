/// Records the GraftCore ops that run while it is `active` into a `Graph`. Each public op
/// passes through `GraphRecorder.recording`, which costs one nil check when no recorder is
/// active and does not change what the op computes. Ops that an op runs inside itself are not
/// recorded: the outer op is the node.
///
/// Not thread-safe: trace one forward at a time, while no other thread runs ops.
public final class GraphRecorder {
    /// The recorder that ops report to; nil when nothing is traced.
    nonisolated(unsafe) static var active: GraphRecorder?

    private var graph = Graph()
    private var operands: [ObjectIdentifier: GraphOperand] = [:]
    /// The tensor each entry of `operands` was made for, held weakly: a traced step frees its
    /// activations as an untraced one does, and an identity a freed tensor leaves behind is not
    /// mistaken for it.
    private var seen: [ObjectIdentifier: WeakTensor] = [:]
    /// Why the graph does not describe the forward (or, unless `recordsTraining`, inference), if it does not.
    private var problem: String?
    /// Whether ops that train (batch statistics, dropout) are recorded rather than rejected.
    private let recordsTraining: Bool
    /// The dotted path of the module running, given to the nodes recorded now.
    private var scope = ""

    /// A recorder that names `parameters` (dotted names, by tensor identity) and takes
    /// `inputs` as the graph's inputs. With `training`, it records ops that train (batch norms on
    /// batch statistics, dropout and stochastic depth with their masks); without, it rejects them.
    public init(parameters: [(String, Tensor)], inputs: [Tensor], training: Bool = false) {
        recordsTraining = training
        for (name, tensor) in parameters where operands[ObjectIdentifier(tensor)] == nil {
            remember(tensor, as: .parameter(name))
        }
        for x in inputs { graph.inputs.append(newValue(for: x)) }
    }

    /// Runs `body` with this recorder active and returns the graph of the ops it ran, with
    /// `body`'s result as the output. Throws `GraftError.invalidState` if the graph cannot describe
    /// them (without `training`: if an op ran as in training: batch statistics, dropout).
    public func record(_ body: () throws -> Tensor) throws -> Graph {
        try trace(body).graph.get()
    }

    /// Runs `body` with this recorder active and returns its result with the graph of the ops it
    /// ran (`body`'s result its output), or the error saying why the graph cannot describe them.
    /// Rethrows what `body` throws.
    public func trace(_ body: () throws -> Tensor) rethrows -> (output: Tensor, graph: Result<Graph, GraftError>) {
        let outer = GraphRecorder.active
        GraphRecorder.active = self
        defer { GraphRecorder.active = outer }
        let y = try body()
        if let problem { return (y, .failure(.invalidState("graph trace: \(problem)"))) }
        graph.outputs = [operand(for: y)]
        return (y, .success(graph))
    }

    /// Runs the op `body`; while a recorder is active, records it as a node of kind `op` reading
    /// `inputs`. `op` and `inputs` are evaluated only while recording.
    @inline(__always)
    static func recording(_ op: @autoclosure () -> GraphOp, _ inputs: @autoclosure () -> [Tensor],
                          _ body: () throws -> Tensor) rethrows -> Tensor {
        guard let recorder = active else { return try body() }
        return try recorder.add(op(), inputs(), body)
    }

    /// Runs `body` with the ops it runs recorded as inside the module at `path` (when a
    /// recorder is active and `path` is known).
    public static func inScope<R>(_ path: String?, _ body: () throws -> R) rethrows -> R {
        guard let recorder = active, let path else { return try body() }
        let outer = recorder.scope
        recorder.scope = path
        defer { recorder.scope = outer }
        return try body()
    }

    /// Marks the trace as not describing the forward because of `reason`.
    static func reject(_ reason: @autoclosure () -> String) {
        guard let recorder = active else { return }
        recorder.problem = recorder.problem ?? reason()
    }

    /// Notes that the op recorded next trains (`reason` says how): a recorder that does not
    /// record training rejects the trace.
    static func trains(_ reason: @autoclosure () -> String) {
        guard let recorder = active, !recorder.recordsTraining else { return }
        reject(reason())
    }

    private func add(_ op: GraphOp, _ inputs: [Tensor], _ body: () throws -> Tensor) rethrows -> Tensor {
        let operands = inputs.map(operand(for:))
        GraphRecorder.active = nil
        defer { GraphRecorder.active = self }
        let (y, flops) = try FLOPCounter.counting(body)
        graph.nodes.append(GraphNode(op: op, inputs: operands, output: newValue(for: y), flops: flops, scope: scope))
        return y
    }

    /// What `t` is to the graph; a tensor the trace has not seen becomes a constant.
    private func operand(for t: Tensor) -> GraphOperand {
        if let known = operands[ObjectIdentifier(t)], seen[ObjectIdentifier(t)]?.tensor === t { return known }
        let constant = GraphOperand.constant(graph.constants.count)
        graph.constants.append(GraphConstant(tensor: t.copy()))
        remember(t, as: constant)
        return constant
    }

    private func newValue(for t: Tensor) -> Int {
        let id = graph.values.count
        graph.values.append(GraphValue(id: id, shape: t.shape, dtype: t.dtype))
        remember(t, as: .value(id))
        return id
    }

    private func remember(_ t: Tensor, as operand: GraphOperand) {
        operands[ObjectIdentifier(t)] = operand
        seen[ObjectIdentifier(t)] = WeakTensor(tensor: t)
    }
}

/// A tensor the recorder knows without keeping it alive.
private struct WeakTensor {
    weak var tensor: Tensor?
}
