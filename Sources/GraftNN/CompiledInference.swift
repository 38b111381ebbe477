import GraftCore

/// A model's eval-mode, gradient-free forward run by compiled `ExecutionPlan`s: one per input
/// shape, precision and set of parameter names and shapes (a replaced head makes a new one),
/// made on first use by tracing, `optimizedForInference` and compiling; the four most recently
/// used are kept. Parameters are read from the model on every call, so weights written since
/// a plan was made are what it runs with. A forward the graph cannot describe (one that makes a
/// tensor from data, which a trace would freeze as a constant) runs eagerly, in eval mode.
public final class CompiledInference {
    /// The model whose forward the plans compute.
    public let model: Module
    /// What the plans compute: `model`'s forward, or the function given at `init`.
    private let forward: ((Tensor) throws -> Tensor)?
    /// The plans by key, nil where the forward runs eagerly.
    private var plans: [(key: PlanKey, plan: ExecutionPlan?)] = []
    private static let capacity = 4

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
        let plan = traced.constants.isEmpty
            ? try ExecutionPlan(optimizedForInference(traced), parameters: parameters, precision: key.precision) : nil
        plans.append((key, plan))
        if plans.count > Self.capacity { plans.removeFirst() }
        return plan
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
