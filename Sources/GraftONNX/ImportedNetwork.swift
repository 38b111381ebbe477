import Foundation
import GraftCore
import GraftModels
import GraftNN

/// How to read an ONNX file: what the file cannot say about its input, and which node is the
/// classifier when the import should not find it itself.
public struct ONNXImportOptions: Sendable, Equatable {
    /// Read tensors stored in files beside the model (never elsewhere).
    public var allowExternalData = false
    /// The input's height and width, where the file leaves them symbolic (or to override them).
    public var inputSize: Int?
    /// The input's layout, where the shape does not tell (a 3-channel dimension last: NHWC).
    public var layout: ImportedInput.Layout?
    public var channelOrder: ImportedInput.ChannelOrder = .rgb
    /// The classifier's node name.
    public var head: String?
    /// The per-channel mean and standard deviation the network's input is normalised with, in
    /// the units it reads (after `scale`) and its channel order; one value stands for all.
    public var mean: [Float]?
    public var std: [Float]?
    /// The value a white pixel has for the network (1: pixels in [0, 1]; 255: in [0, 255]).
    public var scale: Float?

    public init(allowExternalData: Bool = false, inputSize: Int? = nil, layout: ImportedInput.Layout? = nil,
                channelOrder: ImportedInput.ChannelOrder = .rgb, head: String? = nil, mean: [Float]? = nil,
                std: [Float]? = nil, scale: Float? = nil) {
        self.allowExternalData = allowExternalData; self.inputSize = inputSize; self.layout = layout
        self.channelOrder = channelOrder; self.head = head; self.mean = mean; self.std = std; self.scale = scale
    }

    /// Whether any option about the input's values (mean, std, scale) is given.
    var describesValues: Bool { mean != nil || std != nil || scale != nil }
}

/// A network read from an ONNX file: its graph and its weights (the head's under
/// `<head path>.weight` and `.bias`, in PyTorch's layout).
public struct ImportedNetwork {
    public let graph: ImportedGraph
    public let weights: [String: Tensor]
    /// How images are prepared for it: the file's own record (`graft.preprocessing`, which Graft
    /// writes into the ONNX files it exports) unless the options say otherwise, else ImageNet's.
    public let preprocessing: Preprocessing

    public init(graph: ImportedGraph, weights: [String: Tensor], preprocessing: Preprocessing) {
        self.graph = graph; self.weights = weights; self.preprocessing = preprocessing
    }

    /// Reads the ONNX file at `path`. Nothing in the file runs but the arithmetic of its
    /// constants; every failure names the file and the node, tensor or attribute at fault.
    public init(contentsOf path: String, options: ONNXImportOptions = ONNXImportOptions()) throws {
        let file = try ONNXModelFile(path: path, allowExternalData: options.allowExternalData)
        func fail(_ message: String) -> ONNXError { ONNXError(file: path, message: message) }
        var constants: [String: HostTensor] = [:]
        for (name, proto) in file.initializers { constants[name] = try file.tensor(proto, context: "initializer '\(name)'") }
        let graphInputs = file.proto.graph.input.filter { constants[$0.name] == nil }
        guard graphInputs.count == 1, let input = graphInputs.first else {
            throw fail("the network must read one image tensor; it reads \(graphInputs.map(\.name))")
        }
        guard file.proto.graph.output.count == 1, let output = file.proto.graph.output.first else {
            throw fail("the network must have one output; it has \(file.proto.graph.output.map(\.name))")
        }
        let tensorType = input.type.tensorType
        guard tensorType.elemType == 1 || tensorType.elemType == 0 else {
            throw fail("input '\(input.name)' holds data type \(tensorType.elemType); Graft feeds float32 images")
        }
        let dims = tensorType.shape.dim.map { d -> Int? in d.dimValue > 0 && d.dimValue <= 65_536 ? Int(d.dimValue) : nil }
        guard dims.count == 4 else { throw fail("input '\(input.name)' has rank \(dims.count); Graft feeds images [N, C, H, W]") }

        var nodes: [ImportedNode] = []
        var operators: [String: Int] = [:]
        for node in file.nodes {
            operators[node.opType, default: 0] += 1
            if let converted = try ONNXOperators.convert(node, ONNXAttributes(node, file: file), opset: file.opset, constants: &constants) {
                nodes.append(converted)
            }
        }
        var draft = ImportDraft(file: path, nodes: nodes, constants: constants, input: input.name, output: output.name)
        try draft.foldConstants()
        let fileLayout = options.layout ?? (dims[3].map { [1, 3].contains($0) } == true && dims[1].map { ![1, 3].contains($0) } != false ? .nhwc : .nchw)
        let (c, h, w) = fileLayout == .nhwc ? (dims[3], dims[1], dims[2]) : (dims[1], dims[2], dims[3])
        guard let channels = c, (1...4).contains(channels) else {
            throw fail("input '\(input.name)' must have 1 to 4 channels (\(fileLayout.rawValue.uppercased()) \(dims.map { $0.map(String.init) ?? "?" }))")
        }
        let layout = draft.removeInputTranspose(declared: fileLayout)
        draft.rewriteUnfusedBatchNorms()
        let lifted = try draft.liftHead(named: options.head)

        // Parameters and buffers, in first-use order; then the constants that stay constants.
        let roles = ImportedParameters.roles(trunk: lifted.trunk, tail: lifted.tail, constants: draft.constants)
        var weights: [String: Tensor] = [:], parameters: [ImportedParameter] = []
        for (name, role) in roles {
            guard let value = draft.constants[name] else { continue }
            let shape = value.shape.isEmpty ? [1] : value.shape
            weights[name] = Tensor(shape: shape, data: HostEvaluation.floats(value))
            parameters.append(ImportedParameter(name: name, shape: shape, role: role))
        }
        let hostValues = ImportedParameters.hostValues(lifted.trunk + lifted.tail, constants: draft.constants)
        var kept: [String: HostTensor] = [:]
        for node in lifted.trunk + lifted.tail {
            let onHost = hostValues.isSuperset(of: node.outputs.filter { !$0.isEmpty })
            for (position, name) in node.inputs.enumerated() where onHost || node.op.hostInputs.contains(position) {
                if let value = draft.constants[name] { kept[name] = value }
            }
        }
        let head = lifted.head
        weights[head.path + ".weight"] = Tensor(shape: lifted.weight.shape, data: HostEvaluation.floats(lifted.weight))
        if let bias = lifted.bias { weights[head.path + ".bias"] = Tensor(shape: bias.shape, data: HostEvaluation.floats(bias)) }

        let side = options.inputSize
        guard let height = side ?? h, let width = side ?? w else {
            throw fail("input '\(input.name)' has a symbolic height or width; give the size with --input-size")
        }
        var graph = ImportedGraph(
            name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
            input: ImportedInput(name: input.name, channels: channels, height: height, width: width, layout: layout,
                                 channelOrder: options.channelOrder),
            trunk: lifted.trunk, tail: lifted.tail, constants: kept, parameters: parameters, features: lifted.features, head: head,
            output: lifted.output, removedSoftmax: lifted.removedSoftmax, stages: [], folded: draft.folded, operators: operators,
            opset: file.opset)
        try graph.checkNames()
        let shapes = try ImportedNetwork.trialShapes(graph, weights: weights)
        graph.stages = StageDetection.stages(trunk: graph.trunk, input: graph.input.name, features: graph.features, shapes: shapes,
                                             parameters: Set(graph.parameters.filter { $0.role == .parameter }.map(\.name)))
        ImportedNetwork.liftBroadcastOperands(&graph, &weights, shapes: shapes)
        let key = ImportedNetwork.preprocessingKey
        let recorded = try file.proto.metadataProps.first { $0.key == key }.map { entry -> Preprocessing in
            guard let p = try? JSONDecoder().decode(Preprocessing.self, from: Data(entry.value.utf8)) else {
                throw fail("metadata '\(key)' is not a preprocessing record")
            }
            if let (field, problem) = p.invalidField(expectedChannels: channels) { throw fail("metadata '\(key)': '\(field)' \(problem)") }
            return p
        }
        let preprocessing: Preprocessing
        if let recorded, !options.describesValues { preprocessing = recorded } else { preprocessing = try options.preprocessing(for: graph.input) }
        self.init(graph: graph, weights: weights, preprocessing: preprocessing)
    }

    /// Gives each tensor that element-wise arithmetic in the trunk reads beside an activation of
    /// higher rank that rank, with leading ones as numpy aligns it (`[C, 1, 1]` times
    /// `[N, C, H, W]` is stored `[1, C, 1, 1]`), so that a run reshapes only activations: a
    /// frozen buffer reshaped at each step would be one more tensor crossing into what trains.
    private static func liftBroadcastOperands(_ graph: inout ImportedGraph, _ weights: inout [String: Tensor], shapes: [String: [Int]]) {
        for node in graph.trunk {
            switch node.op {
            case .add, .sub, .mul, .div: break
            default: continue
            }
            let ranks = node.inputs.map { shapes[$0]?.count ?? weights[$0]?.shape.count ?? 0 }
            let rank = ranks.max() ?? 0
            for name in node.inputs where shapes[name] == nil {
                guard let w = weights[name], w.shape.count < rank, let i = graph.parameters.firstIndex(where: { $0.name == name }) else { continue }
                let lifted = Array(repeating: 1, count: rank - w.shape.count) + w.shape
                guard let reshaped = try? w.reshaped(lifted) else { continue }
                weights[name] = reshaped
                graph.parameters[i].shape = lifted
            }
        }
    }

    /// Runs the trunk once on a zero image: the shapes of its activations.
    private static func trialShapes(_ graph: ImportedGraph, weights: [String: Tensor]) throws -> [String: [Int]] {
        let i = graph.input
        let shape = i.layout == .nhwc ? [1, i.height ?? 1, i.width ?? 1, i.channels] : [1, i.channels, i.height ?? 1, i.width ?? 1]
        var run = ImportedRun(values: [i.name: .tensor(Tensor.zeros(shape))], parameters: weights, constants: graph.constants,
                              training: false)
        try GradMode.withoutGradients { try run.run(graph.trunk) }
        var shapes: [String: [Int]] = [:]
        for (name, value) in run.values { if case .tensor(let t) = value { shapes[name] = t.shape } }
        let features = try run.tensor(graph.features)
        guard features.shape.count == 2 && graph.head.kind == .linear && features.shape[1] == graph.head.inFeatures
                || features.shape.count == 4 && graph.head.kind == .conv && features.shape[1] == graph.head.inFeatures else {
            throw ONNXError(file: graph.name, message: "the classifier reads \(features.shape), not [N, \(graph.head.inFeatures)\(graph.head.kind == .conv ? ", H, W" : "")]")
        }
        return shapes
    }

    /// The ONNX metadata key under which Graft records how images are prepared for a network.
    public static let preprocessingKey = "graft.preprocessing"

    /// A fresh model of the graph with these weights.
    public func makeModel() throws -> ImportedModel { try ImportedModel(graph, weights: weights) }
}
