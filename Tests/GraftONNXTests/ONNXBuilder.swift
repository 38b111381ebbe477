import Foundation
@testable import GraftONNX

/// ONNX models written by the tests themselves, with the generated protobuf types.
enum ONNXBuilder {
    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "",
                     _ attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name.isEmpty ? outputs.first ?? op : name
        n.attribute = attributes
        return n
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }

    /// A float32 initializer with its data in raw_data.
    static func tensor(_ name: String, _ shape: [Int], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map(Int64.init)
        t.dataType = 1
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        return t
    }

    /// An int64 initializer (typed field).
    static func int64s(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = [Int64(values.count)]
        t.dataType = 7
        t.int64Data = values
        return t
    }

    /// Deterministic values in [-scale, scale).
    static func values(_ count: Int, seed: UInt64, scale: Float = 0.5) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    /// A model reading `input` [N, dims…] (nil: symbolic) and writing `output`, saved to a temporary file.
    static func write(nodes: [Onnx_NodeProto], initializers: [Onnx_TensorProto], input: String = "x",
                      dims: [Int?] = [nil, 3, 8, 8], output: String = "y", opset: Int = 13, name: String = "tiny") throws -> String {
        var model = Onnx_ModelProto()
        model.irVersion = 7
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.version = Int64(opset)
        model.opsetImport = [opsetID]
        var graph = Onnx_GraphProto()
        graph.name = name
        graph.node = nodes
        graph.initializer = initializers
        var x = Onnx_ValueInfoProto()
        x.name = input
        var type = Onnx_TypeProto.Tensor()
        type.elemType = 1
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "N" }
            return dim
        }
        type.shape = shape
        x.type.tensorType = type
        graph.input = [x]
        var y = Onnx_ValueInfoProto()
        y.name = output
        graph.output = [y]
        model.graph = graph
        let path = NSTemporaryDirectory() + "graft-onnx-\(name)-\(UUID().uuidString).onnx"
        try model.serializedData().write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A small CNN in the forms exporters write: Conv + BatchNormalization + Relu, a depthwise
    /// Conv with SAME_UPPER padding and stride 2, Clip(0, 6), GlobalAveragePool, the dynamic
    /// flatten (Shape → Gather → Unsqueeze → Concat → Reshape), a MatMul + Add classifier and a
    /// Softmax.
    static func tinyClassifier(classes: Int = 3, name: String = "tiny") throws -> String {
        let c = 4
        let nodes = [
            node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], [ints("pads", [1, 1, 1, 1])]),
            node("BatchNormalization", ["c1", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"], ["b1"]),
            node("Relu", ["b1"], ["r1"]),
            node("Conv", ["r1", "dw.weight"], ["c2"], [ints("strides", [2, 2]), int("group", c), ints("kernel_shape", [3, 3]), attribute("auto_pad", "SAME_UPPER")]),
            node("Clip", ["c2", "zero", "six"], ["r2"]),
            node("GlobalAveragePool", ["r2"], ["p"]),
            node("Shape", ["p"], ["s"]),
            node("Gather", ["s", "index0"], ["n"], [int("axis", 0)]),
            node("Unsqueeze", ["n", "axes0"], ["n1"]),
            node("Concat", ["n1", "minus1"], ["flat_shape"], [int("axis", 0)]),
            node("Reshape", ["p", "flat_shape"], ["f"]),
            node("MatMul", ["f", "fc.weight"], ["m"]),
            node("Add", ["m", "fc.bias"], ["logits"]),
            node("Softmax", ["logits"], ["y"], [int("axis", 1)]),
        ]
        let initializers = [
            tensor("conv1.weight", [c, 3, 3, 3], values(c * 27, seed: 1)), tensor("conv1.bias", [c], values(c, seed: 2)),
            tensor("bn1.weight", [c], values(c, seed: 3).map { 1 + $0 }), tensor("bn1.bias", [c], values(c, seed: 4)),
            tensor("bn1.running_mean", [c], values(c, seed: 5, scale: 0.1)), tensor("bn1.running_var", [c], values(c, seed: 6).map { 1 + abs($0) }),
            tensor("dw.weight", [c, 1, 3, 3], values(c * 9, seed: 7)),
            tensor("zero", [], [0]), tensor("six", [], [6]),
            int64s("index0", [0]).scalar(), int64s("axes0", [0]), int64s("minus1", [-1]),
            tensor("fc.weight", [c, classes], values(c * classes, seed: 8)), tensor("fc.bias", [classes], values(classes, seed: 9)),
        ]
        return try write(nodes: nodes, initializers: initializers, name: name)
    }

    static func attribute(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }
}

extension Onnx_TensorProto {
    /// The tensor as a scalar (no dims).
    func scalar() -> Onnx_TensorProto {
        var t = self
        t.dims = []
        return t
    }
}
