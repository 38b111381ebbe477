import GraftCore

/// The graph of `model`'s forward on `input` (or of `forward`, a function of the model such as
/// its trunk's `forwardFeatures`) as inference runs it: eval mode, no gradients. Parameters and
/// buffers appear under their `stateDict()` names; each node's scope is the path of the module
/// whose forward ran it. The model's mode is restored. The graph holds `input`'s shape: run it
/// (`interpret`) on inputs of that shape.
public func traceGraph(_ model: Module, input: Tensor, forward: ((Tensor) throws -> Tensor)? = nil) throws -> Graph {
    let wasTraining = model.training
    model.eval()
    defer { model.train(wasTraining) }
    let recorder = GraphRecorder(parameters: model.namedParameters() + model.namedBuffers(), inputs: [input])
    return try withModuleScopes(model) { try GradMode.withoutGradients { try recorder.record { try forward?(input) ?? model(input) } } }
}

/// Runs `body` with the graph nodes recorded in it given the dotted path of the module of
/// `model` whose forward ran them as their scope.
func withModuleScopes<R>(_ model: Module, _ body: () throws -> R) rethrows -> R {
    var paths: [ObjectIdentifier: String] = [:]
    for (path, module) in model.namedModules() where paths[ObjectIdentifier(module)] == nil {
        paths[ObjectIdentifier(module)] = path
    }
    let outerTrace = ModuleTrace.active
    ModuleTrace.active = ModuleTrace(paths: paths)
    defer { ModuleTrace.active = outerTrace }
    return try body()
}

/// `model`'s parameters and buffers by their dotted names, as `interpret` reads them.
public func graphParameters(of model: Module) -> [String: Tensor] {
    Dictionary(model.stateDict(), uniquingKeysWith: { first, _ in first })
}
