import GraftCore

/// Records the modules called during one forward pass, in call order, with the FLOPs their
/// ops reported (see `summarize`). With `paths` (module identity → dotted path), a graph being
/// recorded gets each op's module as its scope.
final class ModuleTrace {
    static var active: ModuleTrace?
    private(set) var calls: [(module: Module, input: [Int], output: [Int], flops: Int)] = []
    let paths: [ObjectIdentifier: String]

    init(paths: [ObjectIdentifier: String] = [:]) { self.paths = paths }

    func record(_ module: Module, input: [Int], output: [Int], flops: Int) { calls.append((module, input, output, flops)) }
}

/// One row of a model summary: a leaf layer as called in a forward pass.
public struct LayerSummary: Sendable, Equatable {
    /// Dotted module name (`layer1.0.conv1`).
    public var name: String
    /// The layer's type (`Conv2d`, `ReLU`, …).
    public var type: String
    /// Output shape for one image (batch dimension dropped).
    public var outputShape: [Int]
    /// Parameters the layer owns.
    public var parameters: Int
    /// Floating-point operations per image, counting a multiply-add as two.
    public var flops: Int
}

/// The leaf layers of `model` as one forward pass of a zero image of `inputShape`
/// (`[C, H, W]`) calls them, with output shapes, parameter counts and FLOPs per image.
/// A layer's FLOPs are those its ops report to `FLOPCounter` (a multiply-add is two), so a
/// layer built from convolutions counts as they do whatever its type. Runs in eval mode and
/// inference mode; the model's mode is restored.
public func summarize(_ model: Module, inputShape: [Int]) throws -> [LayerSummary] {
    let wasTraining = model.training
    model.eval()
    defer { model.train(wasTraining) }
    let trace = ModuleTrace()
    ModuleTrace.active = trace
    defer { ModuleTrace.active = nil }
    _ = try GradMode.withoutGradients { try model(Tensor.zeros([1] + inputShape)) }
    var names: [ObjectIdentifier: String] = [:]
    for (name, module) in model.namedModules() where names[ObjectIdentifier(module)] == nil {
        names[ObjectIdentifier(module)] = name
    }
    return trace.calls.filter { $0.module.children.isEmpty }.map { call in
        let m = call.module
        let params = m.namedParameters().reduce(0) { $0 + $1.1.count }
        return LayerSummary(name: names[ObjectIdentifier(m)] ?? "?", type: String(describing: type(of: m)),
                            outputShape: Array(call.output.dropFirst()), parameters: params, flops: call.flops)
    }
}
