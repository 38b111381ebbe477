import Foundation

/// A node's attributes by name, read with their declared types checked: a getter for another
/// type, or a duplicate name, is an error naming the node and the attribute.
struct ONNXAttributes {
    private let attributes: [String: Onnx_AttributeProto]
    private let node: Onnx_NodeProto
    private let file: ONNXModelFile

    init(_ node: Onnx_NodeProto, file: ONNXModelFile) throws {
        var byName: [String: Onnx_AttributeProto] = [:]
        for a in node.attribute {
            guard byName.updateValue(a, forKey: a.name) == nil else {
                throw ONNXError(file: file.path, message: "node '\(node.name)' (\(node.opType)) has two attributes named '\(a.name)'")
            }
        }
        attributes = byName; self.node = node; self.file = file
    }

    var names: [String] { attributes.keys.sorted() }

    /// The attribute `name` when it is there, after checking that it holds `type` (files of
    /// early IR versions leave the type unset).
    private func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType) throws -> Onnx_AttributeProto? {
        guard let a = attributes[name] else { return nil }
        guard a.type == type || a.type == .undefined else {
            throw ONNXError(file: file.path, message: "node '\(node.name)' (\(node.opType)): attribute '\(name)' holds \(a.type), not \(type)")
        }
        return a
    }

    func int(_ name: String) throws -> Int? { try attribute(name, .int).map { Int($0.i) } }
    func int(_ name: String, default value: Int) throws -> Int { try int(name) ?? value }
    func ints(_ name: String) throws -> [Int]? { try attribute(name, .ints).map { $0.ints.map { Int($0) } } }
    func float(_ name: String) throws -> Float? { try attribute(name, .float).map(\.f) }
    func float(_ name: String, default value: Float) throws -> Float { try float(name) ?? value }
    func floats(_ name: String) throws -> [Float]? { try attribute(name, .floats).map(\.floats) }
    func string(_ name: String) throws -> String? { try attribute(name, .string).map { String(decoding: $0.s, as: UTF8.self) } }
    func string(_ name: String, default value: String) throws -> String { try string(name) ?? value }
    func tensor(_ name: String) throws -> HostTensor? {
        try attribute(name, .tensor).map { try file.tensor($0.t, context: "node '\(node.name)' (\(node.opType)) attribute '\(name)'") }
    }
}
