import GraftCore

/// A model's forward in its current modes, with gradients recorded as usual, run by
/// interpreting its traced graph after the passes that are valid in training
/// (`fuseBatchNormReLU`: oneDNN's batch norm computes the ReLU after it, forward and backward).
/// The part of the graph that trains nothing (`splitFrozenPart`: a frozen trunk, the frozen
/// stages below the trained ones) runs compiled, as an `ExecutionPlan` at the engine's precision
/// (under int8 with `activationRanges`; the rest then runs in float32).
///
/// The first call for an input shape and a state of the model (the modules' training flags, the
/// parameters' names, shapes and `requiresGrad`, the buffers' names and shapes) traces while
/// running the model eagerly; the buffers and the random layers' generators are then put back
/// and the call runs through the graph like every later one, so that a step computes the same
/// bits whether or not it traced. Calls interpret the cached graph on the model's current
/// parameters, update the running statistics and draw dropout masks from the layers' generators
/// as the eager forward would. When the graph cannot describe the forward (an op that does not
/// record itself, a tensor the forward made from data), calls with that key run eagerly, the
/// first one being the trace.
///
/// When one tensor crosses from the frozen part into the part that trains, the two halves can
/// also run apart (`frozenPrefix(inputShape:)`, `frozenOutput(_:)`, `trainedPart(_:inputShape:)`):
/// what a cache of the frozen prefix's outputs trains on.
public final class TrainingForward {
    /// How a call ran.
    public enum Run: Equatable, Sendable {
        /// Eagerly, while tracing a graph for later calls.
        case traced
        /// By interpreting the cached graph.
        case interpreted
        /// Eagerly, because the graph cannot describe the forward.
        case eager
    }

    public let model: Module
    /// How the latest call ran (nil before the first).
    public private(set) var lastRun: Run?
    /// The compiled frozen part of the graph the latest call ran, if it had one.
    public private(set) var frozenPart: ExecutionPlan?
    /// The optimised graph per key, nil where the forward runs eagerly.
    private var plans: [Key: Plan?] = [:]
    /// The ranges an int8 frozen part quantises with (required under int8); setting them
    /// compiles the frozen part again.
    public var activationRanges: ActivationRanges? {
        didSet { if activationRanges != oldValue { plans.removeAll() } }
    }

    private struct Key: Hashable {
        var shape: [Int]
        var dtype: DType
        var precision: ComputePrecision
        var state: [String]
    }

    /// The frozen part of a training graph when a single tensor, not the input, crosses from it
    /// into the part that trains.
    public struct FrozenPrefix {
        /// The frozen part, compiled, and as traced.
        public let plan: ExecutionPlan
        public let graph: Graph
        /// The tensor that crosses the cut, for the whole batch.
        public let frontier: GraphValue
        /// The module path of the node that makes it.
        public let scope: String
        /// FLOPs of the frozen part and of the whole forward, for the whole batch.
        public let flops: Int
        public let totalFlops: Int
    }

    private struct Plan {
        /// The part that trains nothing, compiled; its outputs are `graph`'s inputs.
        var frozen: ExecutionPlan?
        /// `frozen` with its frontier, when one tensor crosses.
        var prefix: FrozenPrefix?
        /// The part that trains, interpreted.
        var graph: Graph
        /// The batch norms whose forward counted steps (`numBatchesTracked`) with how many, counted again by each run.
        var countingBatchNorms: [(BatchNorm2d, Int64)]
    }

    /// Runs `model`'s forward through its cached graphs.
    public init(_ model: Module) { self.model = model }

    /// `model(x)`, through the graph traced for `x`'s shape and the model's state when there is one.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let key = Key(shape: x.shape, dtype: x.dtype, precision: Engine.shared.precision, state: modelState())
        if let cached = plans[key] {
            frozenPart = cached?.frozen
            guard let plan = cached else {
                lastRun = .eager
                return try model(x)
            }
            lastRun = .interpreted
            return try run(plan, x)
        }
        let (y, plan) = try trace(x, precision: key.precision)
        plans[key] = plan
        frozenPart = plan?.frozen
        lastRun = .traced
        guard let plan else { return y }
        return try run(plan, x)
    }

    /// The frozen prefix of the training graph for inputs of `shape` in the model's current state
    /// (traced on a batch of zeros if no call has traced it, the model's buffers and generators
    /// put back); nil when the graph cannot describe the forward or more than one tensor, or the
    /// input itself, crosses into the part that trains.
    public func frozenPrefix(inputShape shape: [Int]) throws -> FrozenPrefix? { try plan(inputShape: shape)?.prefix }

    /// The frozen prefix's output (the frontier tensor) for `x`, as a training call on `x` computes it.
    public func frozenOutput(_ x: Tensor) throws -> Tensor {
        guard let prefix = try frozenPrefix(inputShape: x.shape) else {
            throw GraftError.invalidState("training forward: no single tensor crosses from the frozen part for input \(shapeString(x.shape))")
        }
        return try prefix.plan.run([x], parameters: tensorsByName())[0]
    }

    /// The model's output for a batch of input shape `inputShape` whose frozen prefix gave
    /// `frontier`: the part that trains, interpreted with gradients as a call on the input would run it.
    public func trainedPart(_ frontier: Tensor, inputShape: [Int]) throws -> Tensor {
        guard let plan = try plan(inputShape: inputShape), let prefix = plan.prefix, frontier.shape == prefix.frontier.shape else {
            throw GraftError.invalidState("training forward: \(shapeString(frontier.shape)) is not the frozen prefix's output for input \(shapeString(inputShape))")
        }
        lastRun = .interpreted
        frozenPart = plan.frozen
        return try runTrained(plan, inputs: [frontier], parameters: tensorsByName())
    }

    /// The plan for inputs of `shape` in the current state, traced on zeros when missing.
    private func plan(inputShape shape: [Int]) throws -> Plan? {
        let key = Key(shape: shape, dtype: .float32, precision: Engine.shared.precision, state: modelState())
        if let cached = plans[key] { return cached }
        let saved = savedState()
        let (_, plan) = try traceEagerly(Tensor.zeros(shape), precision: key.precision)
        restore(saved)
        plans[key] = plan
        return plan
    }

    /// Copies of the buffers and the random layers' generators.
    private func savedState() -> (buffers: [(Tensor, Tensor)], generators: [(Module, RandomGenerator)]) {
        (model.namedBuffers().map { ($0.1, $0.1.copy()) },
         model.namedModules().compactMap { _, m in
             (m as? Dropout).map { ($0, $0.generator) } ?? (m as? StochasticDepth).map { ($0, $0.generator) }
         })
    }

    private func restore(_ saved: (buffers: [(Tensor, Tensor)], generators: [(Module, RandomGenerator)])) {
        for (buffer, copy) in saved.buffers { buffer.assign(copy) }
        for (module, generator) in saved.generators {
            if let d = module as? Dropout { d.generator = generator } else if let s = module as? StochasticDepth { s.generator = generator }
        }
    }

    /// The parts of the model's state a graph depends on, as words.
    private func modelState() -> [String] {
        model.namedModules().map { "\($0.0):\($0.1.training)" }
            + model.namedParameters().map { "\($0.0):\($0.1.shape):\($0.1.requiresGrad)" }
            + model.namedBuffers().map { "\($0.0):\($0.1.shape)" }
    }

    /// `traceEagerly`, with the buffers and generators put back when a plan came out (the call
    /// then runs through it).
    private func trace(_ x: Tensor, precision: ComputePrecision) throws -> (Tensor, Plan?) {
        let saved = savedState()
        let (y, plan) = try traceEagerly(x, precision: precision)
        if plan != nil { restore(saved) }
        return (y, plan)
    }

    /// Runs the model eagerly on `x` while recording its graph; returns the result with the plan
    /// for later calls, or nil if the graph cannot describe the forward.
    private func traceEagerly(_ x: Tensor, precision: ComputePrecision) throws -> (Tensor, Plan?) {
        let batchNorms = model.namedModules().compactMap { $0.1 as? BatchNorm2d }
        let stepsBefore = batchNorms.map { $0.numBatchesTracked.int64Values[0] }
        let recorder = GraphRecorder(parameters: model.namedParameters() + model.namedBuffers(), inputs: [x], training: true)
        let (y, traced) = try withModuleScopes(model) { try recorder.trace { try model(x) } }
        guard case .success(let graph) = traced, graph.constants.isEmpty,
              graph.nodes.allSatisfy({ !$0.op.isRandomTraining || randomLayer(at: $0.scope) != nil }) else { return (y, nil) }
        let counting = zip(batchNorms, stepsBefore).map { ($0.0, $0.0.numBatchesTracked.int64Values[0] - $0.1) }.filter { $0.1 != 0 }
        let trainable = Set(model.namedParameters().filter { $0.1.requiresGrad }.map(\.0))
        if precision == .int8 && activationRanges == nil {
            throw GraftError.invalidArgument(op: "training forward", detail: "an int8 frozen part needs calibrated activation ranges")
        }
        guard let (frozen, trained) = splitFrozenPart(graph, trainable: trainable), let plan = try frozenPlan(frozen, precision: precision) else {
            return (y, Plan(frozen: nil, prefix: nil, graph: fuseBatchNormReLU(graph), countingBatchNorms: counting))
        }
        var prefix: FrozenPrefix? = nil
        if trained.inputs.count == 1, let cut = trained.inputs.first, !graph.inputs.contains(cut),
           let value = graph.values.first(where: { $0.id == cut }) {
            prefix = FrozenPrefix(plan: plan, graph: frozen, frontier: value, scope: frozen.nodes.last(where: { $0.output == cut })?.scope ?? "",
                                  flops: frozen.nodes.reduce(0) { $0 + $1.flops }, totalFlops: graph.nodes.reduce(0) { $0 + $1.flops })
        }
        return (y, Plan(frozen: plan, prefix: prefix, graph: fuseBatchNormReLU(trained), countingBatchNorms: counting))
    }

    /// `frozen` compiled, or nil where it cannot be (it is then interpreted); an int8 one that
    /// cannot throws rather than run in float32 unseen.
    private func frozenPlan(_ frozen: Graph, precision: ComputePrecision) throws -> ExecutionPlan? {
        do {
            return try ExecutionPlan(optimizedForInference(frozen), parameters: tensorsByName(), precision: precision,
                                     ranges: activationRanges ?? ActivationRanges())
        } catch where precision != .int8 {
            return nil
        }
    }

    /// The model's parameters and buffers by their dotted names.
    private func tensorsByName() -> [String: Tensor] {
        Dictionary(model.namedParameters() + model.namedBuffers(), uniquingKeysWith: { first, _ in first })
    }

    private func run(_ plan: Plan, _ x: Tensor) throws -> Tensor {
        let parameters = tensorsByName()
        return try runTrained(plan, inputs: try plan.frozen?.run([x], parameters: parameters) ?? [x], parameters: parameters)
    }

    /// The part of `plan` that trains on `inputs` (the frozen part's outputs, or the model's input).
    private func runTrained(_ plan: Plan, inputs: [Tensor], parameters: [String: Tensor]) throws -> Tensor {
        let outputs = try interpret(plan.graph, inputs: inputs, parameters: parameters) { scope, draw in
            switch self.randomLayer(at: scope) {
            case let layer as Dropout: return try draw(&layer.generator)
            case let layer as StochasticDepth: return try draw(&layer.generator)
            default: throw GraftError.invalidState("training forward: no dropout or stochastic depth layer at '\(scope)'")
            }
        }
        for (bn, steps) in plan.countingBatchNorms {
            bn.numBatchesTracked.assign(Tensor(int64: [bn.numBatchesTracked.int64Values[0] + steps], shape: []))
        }
        guard outputs.count == 1, let y = outputs.first else {
            throw GraftError.invalidState("training forward: the graph returned \(outputs.count) outputs, not one")
        }
        return y
    }

    /// The `Dropout` or `StochasticDepth` layer at `path`, whose generator a random node draws from.
    private func randomLayer(at path: String) -> Module? {
        guard let module = model.namedModules().first(where: { $0.0 == path })?.1,
              module is Dropout || module is StochasticDepth else { return nil }
        return module
    }
}

private extension GraphOp {
    /// Whether the op draws a mask when it runs.
    var isRandomTraining: Bool {
        switch self {
        case .dropout(_, let training), .stochasticDepth(_, _, let training): return training
        default: return false
        }
    }
}
