import GraftCore

/// A model's eval-mode, gradient-free forward run by compiled `ExecutionPlan`s: one per input
/// shape, precision and set of parameter names and shapes (a replaced head makes a new one),
/// made on first use by tracing, `optimizedForInference` and compiling; the four most recently
/// used are kept. Parameters are read from the model on every call, so weights written since
/// a plan was made are what it runs with. A forward the graph cannot describe (one that makes a
/// tensor from data, which a trace would freeze as a constant) runs eagerly, in eval mode.
/// Under `ComputePrecision.int8` the plans quantise with `activationRanges`, which `calibrate`
/// measures or a checkpoint supplies.
public final class CompiledInference {
    /// The model whose forward the plans compute.
    public let model: Module
    /// What the plans compute: `model`'s forward, or the function given at `init`.
    private let forward: ((Tensor) throws -> Tensor)?
    /// The plans by key, nil where the forward runs eagerly.
    private var plans: [(key: PlanKey, plan: ExecutionPlan?)] = []
    private static let capacity = 4

    /// The calibrated activations int8 plans quantise with; setting them drops the int8 plans
    /// made with others.
    public var activationRanges: ActivationRanges? {
        didSet { if activationRanges != oldValue { plans.removeAll { $0.key.precision == .int8 } } }
    }

    /// Plans for `model`'s forward, or for `forward` (a function of `model` alone, such as its
    /// trunk's `forwardFeatures`) when given.
    public init(_ model: Module, forward: ((Tensor) throws -> Tensor)? = nil) {
        self.model = model
        self.forward = forward
    }

    /// The model's eval forward (or `forward`) on `x`, as a fresh row-major tensor.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let parameters = graphParameters(of: model)
        guard let plan = try plan(for: x, parameters: parameters) else { return try eagerForward(x) }
        return try plan.run([x], parameters: parameters)[0]
    }

    /// The plan for inputs like `x` under the engine's current precision, compiled if needed;
    /// nil when such inputs run eagerly.
    public func plan(for x: Tensor) throws -> ExecutionPlan? { try plan(for: x, parameters: graphParameters(of: model)) }

    private func plan(for x: Tensor, parameters: [String: Tensor]) throws -> ExecutionPlan? {
        let key = PlanKey(inputShape: x.shape, precision: Engine.shared.precision,
                          parameters: parameters.map { $0.key + shapeString($0.value.shape) }.sorted())
        if let index = plans.firstIndex(where: { $0.key == key }) {
            let hit = plans.remove(at: index)
            plans.append(hit)
            return hit.plan
        }
        let traced = try traceGraph(model, input: x, forward: forward)
        let ranges = key.precision == .int8 ? try requiredRanges() : ActivationRanges()
        let plan = traced.constants.isEmpty
            ? try ExecutionPlan(optimizedForInference(traced), parameters: parameters, precision: key.precision, ranges: ranges) : nil
        plans.append((key, plan))
        if plans.count > Self.capacity { plans.removeFirst() }
        return plan
    }

    /// Measures `activationRanges` on `batches` (inputs of the model's forward, or `forward`'s),
    /// running the optimised graph in float32 (`calibrateActivationRanges`), and keeps them.
    /// The names are the model's, so the ranges serve any batch size. A forward the graph
    /// cannot describe has none to measure: it runs eagerly in float32.
    @discardableResult
    public func calibrate(_ batches: [Tensor]) throws -> ActivationRanges {
        guard !batches.isEmpty else { throw GraftError.invalidArgument(op: "int8 calibration", detail: "no calibration batches") }
        var graphs: [[Int]: Graph] = [:]
        var ranges = ActivationRanges()
        for batch in batches {
            let graph = try graphs[batch.shape] ?? optimizedForInference(traceGraph(model, input: batch, forward: forward))
            graphs[batch.shape] = graph
            ranges.merge(try calibrateActivationRanges(graph, parameters: graphParameters(of: model), batches: [[batch]]))
        }
        activationRanges = ranges
        return ranges
    }

    private func requiredRanges() throws -> ActivationRanges {
        guard let activationRanges else {
            throw GraftError.invalidArgument(op: "int8", detail: "int8 inference needs calibrated activation ranges (calibrate, or load them from a checkpoint)")
        }
        return activationRanges
    }

    /// How many plans are kept now.
    public var planCount: Int { plans.count }

    /// The forward run eagerly in eval mode without gradients, the modules' modes restored.
    private func eagerForward(_ x: Tensor) throws -> Tensor {
        let modes = model.namedModules().map { ($0.1, $0.1.training) }
        model.eval()
        defer { for (module, training) in modes { module.train(training) } }
        return try GradMode.withoutGradients { try forward?(x) ?? model(x) }
    }
}

private struct PlanKey: Equatable {
    var inputShape: [Int]
    var precision: ComputePrecision
    var parameters: [String]
}
