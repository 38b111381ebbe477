// TEMPORARY: signatures of the parts being built in parallel (h-ops18, h-onnxio); deleted at merge.
import Foundation
import GraftCore

public enum PadMode: String, Sendable, Codable { case constant, reflect, edge }
func clamp(_ x: Tensor, min: Float, max: Float) throws -> Tensor { x }
func hardsigmoid(_ x: Tensor, alpha: Float, beta: Float) throws -> Tensor { x }
func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { a }
func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { a }
func erf(_ x: Tensor) throws -> Tensor { x }
func transpose(_ x: Tensor, permutation: [Int]) throws -> Tensor { x }
func pad(_ x: Tensor, before: [Int], after: [Int], mode: PadMode = .constant, value: Float = 0) throws -> Tensor { x }
func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, axis: Int, eps: Float) throws -> Tensor { x }

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
    init(path: String, allowExternalData: Bool = false) throws { fatalError() }
    func tensor(_ proto: Onnx_TensorProto, context: String) throws -> HostTensor { fatalError() }
}
struct ONNXAttributes {
    init(_ node: Onnx_NodeProto, file: ONNXModelFile) throws {}
    func int(_ name: String) throws -> Int? { nil }
    func int(_ name: String, default: Int) throws -> Int { 0 }
    func ints(_ name: String) throws -> [Int]? { nil }
    func float(_ name: String) throws -> Float? { nil }
    func float(_ name: String, default: Float) throws -> Float { 0 }
    func floats(_ name: String) throws -> [Float]? { nil }
    func string(_ name: String) throws -> String? { nil }
    func string(_ name: String, default: String) throws -> String { "" }
    func tensor(_ name: String) throws -> HostTensor? { nil }
    var names: [String] { [] }
}
