import Foundation
import GraftCore

struct ONNXError: Error, CustomStringConvertible {
    var file: String
    var message: String
    var description: String { message }
}
struct ONNXModelFile {
    let path: String
    let directory: String
    let proto: Onnx_ModelProto
    let opset: Int
    let nodes: [Onnx_NodeProto]
    let initializers: [(name: String, proto: Onnx_TensorProto)]
    init(path: String, allowExternalData: Bool = false) throws {
        self.path = path; directory = ""
        proto = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        opset = Int(proto.opsetImport.first { $0.domain == "" || $0.domain == "ai.onnx" }?.version ?? 0)
        nodes = proto.graph.node
        initializers = proto.graph.initializer.map { ($0.name, $0) }
    }
    func tensor(_ t: Onnx_TensorProto, context: String) throws -> HostTensor {
        let shape = t.dims.map { Int($0) }
        switch t.dataType {
        case 1:
            if !t.rawData.isEmpty {
                let v = t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                return HostTensor(shape: shape, elements: .float(v))
            }
            return HostTensor(shape: shape, elements: .float(t.floatData))
        case 7:
            if !t.rawData.isEmpty {
                let v = t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
                return HostTensor(shape: shape, elements: .int(v))
            }
            return HostTensor(shape: shape, elements: .int(t.int64Data))
        default: throw ONNXError(file: path, message: "stub: type \(t.dataType)")
        }
    }
}
struct ONNXAttributes {
    let map: [String: Onnx_AttributeProto]
    let file: ONNXModelFile
    init(_ node: Onnx_NodeProto, file: ONNXModelFile) throws {
        map = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }); self.file = file
    }
    func int(_ name: String) throws -> Int? { map[name].map { Int($0.i) } }
    func int(_ name: String, default d: Int) throws -> Int { try int(name) ?? d }
    func ints(_ name: String) throws -> [Int]? { map[name].map { $0.ints.map { Int($0) } } }
    func float(_ name: String) throws -> Float? { map[name].map { $0.f } }
    func float(_ name: String, default d: Float) throws -> Float { try float(name) ?? d }
    func floats(_ name: String) throws -> [Float]? { map[name].map { $0.floats } }
    func string(_ name: String) throws -> String? { map[name].map { String(decoding: $0.s, as: UTF8.self) } }
    func string(_ name: String, default d: String) throws -> String { try string(name) ?? d }
    func tensor(_ name: String) throws -> HostTensor? { try map[name].map { try file.tensor($0.t, context: name) } }
    var names: [String] { Array(map.keys) }
}
