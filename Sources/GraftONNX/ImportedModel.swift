import GraftCore
import GraftModels
import GraftNN

/// An imported ONNX network as a trainable model: its parameters and buffers are the graph's
/// initializers under their own names, its head the lifted classifier (replaceable by head
/// surgery), its stages the graph's own. The forward runs the graph's nodes with GraftCore's
/// ops, so that it trains, traces and compiles like any zoo model.
public final class ImportedModel: Module, TransferModel {
    /// The graph as imported (its head entry describes the file's classifier).
    public let graph: ImportedGraph

    /// The network of `graph` with the tensors of `weights` by name (zeros where missing: a
    /// model to load a checkpoint into).
    public init(_ graph: ImportedGraph, weights: [String: Tensor]) throws {
        self.graph = graph
        super.init()
        try graph.checkNames()
        let entries = try graph.parameters.map { p in
            guard let w = weights[p.name] else { return (name: p.name, tensor: Tensor.zeros(p.shape), role: p.role) }
            guard w.shape == p.shape else {
                throw ONNXError(file: graph.name, message: "tensor '\(p.name)' has shape \(w.shape), the graph reads \(p.shape)")
            }
            return (name: p.name, tensor: w.copy(), role: p.role)
        }
        registerTensors(entries, in: self)
        let h = graph.head
        let layer: Module
        switch h.kind {
        case .linear:
            let linear = try Linear(inFeatures: h.inFeatures, outFeatures: h.outFeatures, bias: h.hasBias)
            try load(linear.weight, "weight", weights)
            if let b = linear.bias { try load(b, "bias", weights) }
            layer = linear
        case .conv:
            let conv = try Conv2d(inChannels: h.inFeatures, outChannels: h.outFeatures, kernelSize: (1, 1), bias: h.hasBias)
            try load(conv.weight, "weight", weights)
            if let b = conv.bias { try load(b, "bias", weights) }
            layer = conv
        }
        let (owner, name) = holder(of: h.path, in: self)
        owner.register(name, layer)
    }

    /// Copies `weights["<head path>.<name>"]` into `target` when given.
    private func load(_ target: Tensor, _ name: String, _ weights: [String: Tensor]) throws {
        guard let w = weights[graph.head.path + "." + name] else { return }
        guard w.shape == target.shape else {
            throw ONNXError(file: graph.name, message: "head \(name) has shape \(w.shape), not \(target.shape)")
        }
        target.assign(w)
    }

    public var head: Module { module(at: graph.head.path) ?? self }
    public var stages: [Module] { [] }
    public var stagePaths: [String] { graph.stages.map(\.name) + [graph.head.path] }

    public func parameterPrefixes(ofStage stage: String) -> [String] {
        graph.stages.first { $0.name == stage }?.parameters ?? [stage]
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try forwardHead(forwardFeatures(x)) }

    public func forwardFeatures(_ x: Tensor) throws -> Tensor {
        var run = ImportedRun(values: [graph.input.name: .tensor(try adapted(x))], parameters: tensorsByName(),
                              constants: graph.constants, training: training)
        try run.run(graph.trunk)
        return try run.tensor(graph.features)
    }

    public func forwardHead(_ features: Tensor) throws -> Tensor {
        let y = try head(features)
        guard !graph.tail.isEmpty else { return y }
        var run = ImportedRun(values: [graph.head.output: .tensor(y)], parameters: tensorsByName(), constants: graph.constants,
                              training: training)
        try run.run(graph.tail)
        return try run.tensor(graph.output)
    }

    /// An NCHW RGB batch as the graph reads it: channels reversed for BGR, transposed for NHWC.
    private func adapted(_ x: Tensor) throws -> Tensor {
        guard x.shape.count == 4, x.shape[1] == graph.input.channels else {
            throw GraftError.shapeMismatch(op: graph.name, detail: "the network reads [N, \(graph.input.channels), H, W]; input vs channels",
                                           lhs: x.shape, rhs: [graph.input.channels])
        }
        var y = x
        if graph.input.channelOrder == .bgr {
            y = try concat((0..<x.shape[1]).reversed().map { try narrow(x, axis: 1, start: $0, length: 1) }, axis: 1)
        }
        if graph.input.layout == .nhwc { y = try transpose(y, permutation: [0, 2, 3, 1]) }
        return y
    }

    private func tensorsByName() -> [String: Tensor] {
        Dictionary(namedParameters() + namedBuffers(), uniquingKeysWith: { first, _ in first })
    }
}
