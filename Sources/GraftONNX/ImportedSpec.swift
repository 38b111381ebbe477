import Foundation
import GraftCore
import GraftModels

extension ImportedNetwork {
    /// A zoo entry for this network under `name` (the path it was given by), reading images as
    /// `preprocessing`: `make(numClasses:)` builds it with the file's weights, a fresh head
    /// when the class count differs; `definition` holds the graph for checkpoints.
    public func spec(name: String, preprocessing: Preprocessing, source: String) throws -> ModelSpec {
        let network = self
        return ModelSpec(name, preprocessing: preprocessing, defaultNumClasses: graph.head.outFeatures,
                         definition: try graph.json(), includedWeights: source) { classes in
            let model = try network.makeModel()
            if classes != network.graph.head.outFeatures { try model.replaceHead(with: HeadConfig(classes: classes)) }
            return model
        }
    }
}

extension ImportedGraph {
    /// The graph as JSON (infinities and NaN as strings), what `ModelSpec.definition` holds.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The graph `json()` wrote, checked (`validate`) before anything is built from it.
    public init(json: String) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        self = try decoder.decode(ImportedGraph.self, from: Data(json.utf8))
        try validate()
    }

    /// A zoo entry for a graph a checkpoint stored: `make` builds it with zero weights, to load
    /// the checkpoint's into.
    public static func spec(definition: String, name: String, preprocessing: Preprocessing) throws -> ModelSpec {
        let graph = try ImportedGraph(json: definition)
        return ModelSpec(name, preprocessing: preprocessing, defaultNumClasses: graph.head.outFeatures, definition: definition) { classes in
            let model = try ImportedModel(graph, weights: [:])
            if classes != graph.head.outFeatures { try model.replaceHead(with: HeadConfig(classes: classes)) }
            return model
        }
    }

    /// The largest tensor a graph may declare, and the most elements of all together.
    static let maximumTensorElements = 1 << 31
    static let maximumTotalElements = 1 << 33

    /// Throws, naming the name, unless the parameters' names and the head's path fit one module
    /// tree: no empty component, no name twice or both a tensor and a prefix of others, and
    /// nothing but the head under the head's path.
    func checkNames() throws {
        try checkTensorNames(parameters.map(\.name) + [head.path + ".weight"])
        if let inside = parameters.first(where: { $0.name.hasPrefix(head.path + ".") }) {
            throw ONNXError(file: name, message: "tensor '\(inside.name)' lies under the head's path '\(head.path)'")
        }
    }

    /// Throws, naming the field, unless every size is within bounds and every attribute list
    /// has the length its op reads: what a definition from a file must pass before a model is built.
    func validate() throws {
        func fail(_ what: String) -> ONNXError { ONNXError(file: name, message: "invalid graph definition: \(what)") }
        var total = 0
        for p in parameters {
            let n = try? HostEvaluation.product(p.shape[...])
            guard let n, n <= Self.maximumTensorElements else { throw fail("tensor '\(p.name)' has shape \(p.shape)") }
            total += n
            guard total <= Self.maximumTotalElements else { throw fail("the tensors hold more than \(Self.maximumTotalElements) elements") }
        }
        for (key, c) in constants {
            guard (try? HostEvaluation.product(c.shape[...])) == c.count else { throw fail("constant '\(key)' holds \(c.count) values for shape \(c.shape)") }
        }
        guard (1...4).contains(input.channels), [input.height, input.width].allSatisfy({ ($0 ?? 1) >= 1 && ($0 ?? 1) <= Preprocessing.maximumInputSize }) else {
            throw fail("input \(input.channels) × \(input.height ?? 0) × \(input.width ?? 0)")
        }
        guard (1...(1 << 20)).contains(head.inFeatures), (1...HeadConfig.maximumClasses).contains(head.outFeatures), !head.path.isEmpty else {
            throw fail("head \(head.path) \(head.inFeatures) → \(head.outFeatures)")
        }
        try checkNames()
        for node in trunk + tail {
            if let problem = node.op.attributeProblem { throw fail("node '\(node.name)': \(problem)") }
            guard node.inputs.count >= node.op.minimumInputs, !node.outputs.isEmpty else {
                throw fail("node '\(node.name)' reads \(node.inputs.count) inputs and writes \(node.outputs.count)")
            }
        }
    }
}
