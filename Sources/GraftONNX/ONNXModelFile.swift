import Foundation
import SwiftProtobuf

/// An ONNX file read and checked: its model, the version of the default operator set, and the
/// main graph's nodes in an order that runs. Every size is bounded, every name a node reads
/// exists, and nothing in the file runs.
struct ONNXModelFile {
    let path: String
    /// The folder the file is in, where external data may live.
    let directory: String
    let proto: Onnx_ModelProto
    let opset: Int
    /// The main graph's nodes in a topological order (the file's own when it is one).
    let nodes: [Onnx_NodeProto]
    let initializers: [(name: String, proto: Onnx_TensorProto)]
    let allowExternalData: Bool

    /// The largest file read: protobuf's own limit.
    static let maximumFileBytes = 2 << 30
    static let irVersions = 3...10
    static let opsets = 7...21
    static let maximumNodes = 100_000
    static let maximumInitializers = 100_000
    static let maximumNameBytes = 4096
    static let maximumAttributes = 1000

    init(path: String, allowExternalData: Bool = false) throws {
        func fail(_ message: String) -> ONNXError { ONNXError(file: path, message: message) }
        self.path = path
        self.allowExternalData = allowExternalData
        directory = (path as NSString).deletingLastPathComponent
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch { throw fail("cannot read the file: no such file or it is not readable") }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw fail("not a regular file") }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= Self.maximumFileBytes else { throw fail("\(size) bytes; an ONNX file holds at most \(Self.maximumFileBytes) (larger models keep their tensors as external data)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch { throw fail("cannot read the file: \(error.localizedDescription)") }
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = 64
        do {
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw fail("not an ONNX model: its protobuf does not decode (\(error))")
        }
        guard Self.irVersions.contains(Int(clamping: proto.irVersion)) else {
            throw fail("IR version \(proto.irVersion) is not supported (Graft reads IR versions \(Self.irVersions.lowerBound) to \(Self.irVersions.upperBound))")
        }
        let defaults = proto.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard defaults.count == 1, let version = defaults.first.map({ Int(clamping: $0.version) }), Self.opsets.contains(version) else {
            throw fail("default-domain opset \(defaults.map { String($0.version) }.joined(separator: ", ")) is not supported (Graft reads opsets \(Self.opsets.lowerBound) to \(Self.opsets.upperBound))")
        }
        opset = version
        let graph = proto.graph
        guard graph.node.count <= Self.maximumNodes, graph.initializer.count <= Self.maximumInitializers else {
            throw fail("\(graph.node.count) nodes and \(graph.initializer.count) initializers; at most \(Self.maximumNodes) and \(Self.maximumInitializers)")
        }
        initializers = graph.initializer.map { ($0.name, $0) }
        nodes = try Self.checkedNodes(graph, fail: fail)
    }

    /// The graph's nodes in a topological order, after checking names, domains, attributes,
    /// that every input is defined and every initializer read.
    private static func checkedNodes(_ graph: Onnx_GraphProto, fail: (String) -> ONNXError) throws -> [Onnx_NodeProto] {
        func label(_ n: Onnx_NodeProto) -> String { "node '\(n.name.isEmpty ? n.output.first ?? "" : n.name)' (\(n.opType))" }
        var defined = Set<String>()
        for t in graph.initializer {
            guard !t.name.isEmpty, t.name.utf8.count <= maximumNameBytes else { throw fail("an initializer has an empty or overlong name") }
            guard defined.insert(t.name).inserted else { throw fail("two initializers are named '\(t.name)'") }
        }
        let inputs = Set(graph.input.map(\.name)).subtracting(defined)
        defined.formUnion(inputs)
        var producer: [String: Int] = [:]
        for (i, node) in graph.node.enumerated() {
            guard node.name.utf8.count <= maximumNameBytes, node.opType.utf8.count <= maximumNameBytes,
                  (node.input + node.output).allSatisfy({ $0.utf8.count <= maximumNameBytes }) else {
                throw fail("\(label(node)) has a name longer than \(maximumNameBytes) bytes")
            }
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw fail("\(label(node)) is in domain '\(node.domain)'; Graft reads the default ONNX domain only")
            }
            guard node.attribute.count <= maximumAttributes else { throw fail("\(label(node)) has \(node.attribute.count) attributes") }
            if let a = node.attribute.first(where: { $0.type == .graph || $0.type == .graphs || $0.hasG || !$0.graphs.isEmpty }) {
                throw fail("\(label(node)) holds a subgraph (attribute '\(a.name)'); control flow (If, Loop, Scan) is not supported")
            }
            for out in node.output where !out.isEmpty {
                if defined.contains(out) { throw fail("\(label(node)) writes '\(out)', which an initializer or the graph's input already names") }
                if let other = producer[out] { throw fail("\(label(node)) and node '\(graph.node[other].name)' both write '\(out)'") }
                producer[out] = i
            }
        }
        // Kahn's algorithm, keeping the file's order among ready nodes.
        var waiting = graph.node.map { node in Set(node.input.filter { !$0.isEmpty && !defined.contains($0) }) }
        for (i, node) in graph.node.enumerated() {
            for v in waiting[i] where producer[v] == nil { throw fail("\(label(node)) reads '\(v)', which no node, initializer or input defines") }
        }
        var readers: [String: [Int]] = [:]
        for (i, w) in waiting.enumerated() { for v in w { readers[v, default: []].append(i) } }
        var order = graph.node.indices.filter { waiting[$0].isEmpty }
        var queued = Set(order), next = 0
        while next < order.count {
            let i = order[next]
            next += 1
            for out in graph.node[i].output where !out.isEmpty {
                for r in readers[out] ?? [] {
                    waiting[r].remove(out)
                    if waiting[r].isEmpty && queued.insert(r).inserted { order.append(r) }
                }
            }
        }
        let done = queued
        if order.count < graph.node.count, let stuck = graph.node.indices.first(where: { !done.contains($0) }) {
            throw fail("\(label(graph.node[stuck])) is on a cycle: it reads '\(waiting[stuck].sorted().first ?? "")', which depends on its own output")
        }
        let read = Set(graph.node.flatMap(\.input)).union(graph.output.map(\.name))
        if let unused = graph.initializer.first(where: { !read.contains($0.name) }) {
            throw fail("initializer '\(unused.name)' is read by no node")
        }
        for out in graph.output where !defined.contains(out.name) && producer[out.name] == nil {
            throw fail("the graph's output '\(out.name)' is computed by no node")
        }
        return order.map { graph.node[$0] }
    }
}
