import GraftCore

/// A model's eval-mode, gradient-free forward run by compiled `ExecutionPlan`s: one per input
/// shape, precision and set of parameter names and shapes (a replaced head makes a new one),
/// made on first use by tracing, `optimizedForInference` and compiling; the four most recently
/// used are kept. Parameters are read from the model on every call, so weights written since
/// a plan was made are what it runs with.
public final class CompiledInference {
    /// The model whose forward the plans compute.
    public let model: Module
    /// What the plans compute: `model`'s forward, or the function given at `init`.
    private let forward: ((Tensor) throws -> Tensor)?
    private var plans: [(key: PlanKey, plan: ExecutionPlan)] = []
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
        return try plan(for: x, parameters: parameters).run([x], parameters: parameters)[0]
    }

    /// The plan for inputs like `x` under the engine's current precision, compiled if needed.
    public func plan(for x: Tensor) throws -> ExecutionPlan { try plan(for: x, parameters: graphParameters(of: model)) }

    private func plan(for x: Tensor, parameters: [String: Tensor]) throws -> ExecutionPlan {
        let key = PlanKey(inputShape: x.shape, precision: Engine.shared.precision,
                          parameters: parameters.map { $0.key + shapeString($0.value.shape) }.sorted())
        if let index = plans.firstIndex(where: { $0.key == key }) {
            let hit = plans.remove(at: index)
            plans.append(hit)
            return hit.plan
        }
        let graph = optimizedForInference(try traceGraph(model, input: x, forward: forward))
        let plan = try ExecutionPlan(graph, parameters: parameters, precision: key.precision)
        plans.append((key, plan))
        if plans.count > Self.capacity { plans.removeFirst() }
        return plan
    }

    /// How many plans are kept now.
    public var planCount: Int { plans.count }
}

private struct PlanKey: Equatable {
    var inputShape: [Int]
    var precision: ComputePrecision
    var parameters: [String]
}
