import GraftCore

/// Records the modules called during one forward pass, in call order (see `summarize`).
final class ModuleTrace {
    static var active: ModuleTrace?
    private(set) var calls: [(module: Module, input: [Int], output: [Int])] = []

    func record(_ module: Module, input: [Int], output: [Int]) { calls.append((module, input, output)) }
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
/// Runs in eval mode and inference mode; the model's mode is restored.
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
        let out = Array(call.output.dropFirst())
        return LayerSummary(name: names[ObjectIdentifier(m)] ?? "?", type: String(describing: type(of: m)),
                            outputShape: out, parameters: params,
                            flops: flopsPerImage(m, input: Array(call.input.dropFirst()), output: out))
    }
}

/// Multiply-adds count two; element-wise layers one per output element; reshapes none.
func flopsPerImage(_ m: Module, input: [Int], output: [Int]) -> Int {
    let outCount = output.reduce(1, *)
    switch m {
    case let conv as Conv2d:
        let perOutput = conv.inChannels / conv.config.groups * conv.kernelSize.0 * conv.kernelSize.1
        return outCount * (2 * perOutput + (conv.bias == nil ? 0 : 1))
    case let fc as Linear:
        return 2 * fc.inFeatures * fc.outFeatures + (fc.bias == nil ? 0 : fc.outFeatures)
    case let pool as MaxPool2d:
        return outCount * pool.config.kernel.0 * pool.config.kernel.1
    case let pool as AvgPool2d:
        return outCount * pool.config.kernel.0 * pool.config.kernel.1
    case is AdaptiveAvgPool2d:
        return input.reduce(1, *)
    case is BatchNorm2d:
        return 2 * outCount
    case is Flatten, is Identity, is Dropout:
        return 0
    default:
        return outCount
    }
}
