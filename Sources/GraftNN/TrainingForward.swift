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
/// running the model eagerly: that run is the call's forward and its result is returned. Later
/// calls with the same key interpret the cached graph on the model's current parameters, update
/// the running statistics and draw dropout masks from the layers' generators as the eager forward
/// would. When the graph cannot describe the forward (an op that does not record itself, a
/// tensor the forward made from data), calls with that key run eagerly.
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

    private struct Plan {
        /// The part that trains nothing, compiled; its outputs are `graph`'s inputs.
        var frozen: ExecutionPlan?
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
        return y
    }

    /// The parts of the model's state a graph depends on, as words.
    private func modelState() -> [String] {
        model.namedModules().map { "\($0.0):\($0.1.training)" }
            + model.namedParameters().map { "\($0.0):\($0.1.shape):\($0.1.requiresGrad)" }
            + model.namedBuffers().map { "\($0.0):\($0.1.shape)" }
    }

    /// Runs the model eagerly on `x` while recording its graph; returns the result with the plan
    /// for later calls, or nil if the graph cannot describe the forward.
    private func trace(_ x: Tensor, precision: ComputePrecision) throws -> (Tensor, Plan?) {
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
            return (y, Plan(frozen: nil, graph: fuseBatchNormReLU(graph), countingBatchNorms: counting))
        }
        return (y, Plan(frozen: plan, graph: fuseBatchNormReLU(trained), countingBatchNorms: counting))
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
        let inputs = try plan.frozen?.run([x], parameters: parameters) ?? [x]
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
