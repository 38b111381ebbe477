import Foundation
import XCTest
@testable import GraftONNX

/// Malformed and hostile ONNX files: each is an error naming its culprit, never a trap.
final class HostileONNXTests: XCTestCase {
    typealias B = ONNXBuilder

    /// Writes a model whose graph `edit` changes from a valid two-node one.
    private func file(_ name: String, ir: Int64 = 7, opset: Int64 = 13, _ edit: (inout Onnx_ModelProto) -> Void = { _ in }) throws -> String {
        let path = try B.write(nodes: [B.node("Relu", ["x"], ["r"]), B.node("Flatten", ["r"], ["y"])], initializers: [], name: name)
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        model.irVersion = ir
        model.opsetImport[0].version = opset
        edit(&model)
        try model.serializedData().write(to: URL(fileURLWithPath: path))
        return path
    }

    private func assertRefused(_ path: String, naming parts: String..., allowExternal: Bool = false,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ONNXModelFile(path: path, allowExternalData: allowExternal).initializers.map {
            try ONNXModelFile(path: path, allowExternalData: allowExternal).tensor($0.proto, context: "initializer '\($0.name)'")
        }, file: file, line: line) { error in
            for part in parts { XCTAssertTrue("\(error)".contains(part), "'\(part)' missing from: \(error)", file: file, line: line) }
        }
    }

    func testAValidFileReads() throws {
        XCTAssertEqual(try ONNXModelFile(path: file("valid")).nodes.map(\.opType), ["Relu", "Flatten"])
    }

    func testGarbageTruncationAndVersions() throws {
        let garbage = NSTemporaryDirectory() + "graft-garbage.onnx"
        try Data([0xFF, 0xFF, 0xFF, 0x0F, 0x12]).write(to: URL(fileURLWithPath: garbage))
        assertRefused(garbage, naming: "not an ONNX model")
        let whole = try Data(contentsOf: URL(fileURLWithPath: try file("truncated")))
        let truncated = NSTemporaryDirectory() + "graft-truncated.onnx"
        try whole.prefix(whole.count - 7).write(to: URL(fileURLWithPath: truncated))
        assertRefused(truncated, naming: "graft-truncated.onnx")
        assertRefused(try file("ir2", ir: 2), naming: "IR version 2")
        assertRefused(try file("ir11", ir: 11), naming: "IR version 11")
        assertRefused(try file("opset6", opset: 6), naming: "opset 6")
        assertRefused(try file("opset22", opset: 22), naming: "opset 22")
        assertRefused(NSTemporaryDirectory() + "graft-no-such.onnx", naming: "no such file")
    }

    func testGraphStructure() throws {
        assertRefused(try file("domain") { $0.graph.node[0].domain = "com.microsoft" }, naming: "'r' (Relu)", "com.microsoft")
        assertRefused(try file("missing") { $0.graph.node[1].input = ["nowhere"] }, naming: "'y' (Flatten)", "'nowhere'")
        assertRefused(try file("cycle") {
            $0.graph.node[0].input = ["x", "y"]
        }, naming: "cycle")
        assertRefused(try file("twice") { $0.graph.node[1].output = ["r"] }, naming: "'r'")
        assertRefused(try file("collide") { $0.graph.initializer = [B.tensor("r", [1], [0])]; $0.graph.node[1].input.append("r") }, naming: "'r'")
        assertRefused(try file("unused") { $0.graph.initializer = [B.tensor("lonely", [1], [0])] }, naming: "'lonely'", "read by no node")
        assertRefused(try file("subgraph") {
            var a = Onnx_AttributeProto()
            a.name = "then_branch"
            a.type = .graph
            a.g = Onnx_GraphProto()
            $0.graph.node[0].attribute = [a]
        }, naming: "subgraph", "then_branch")
        assertRefused(try file("names") { $0.graph.node[0].name = String(repeating: "n", count: 5000) }, naming: "longer than")
    }

    func testTensorData() throws {
        func with(_ tensor: Onnx_TensorProto) throws -> String {
            try file(tensor.name) { $0.graph.initializer = [tensor]; $0.graph.node[1].input.append(tensor.name) }
        }
        var negative = B.tensor("negative", [2], [1, 2])
        negative.dims = [-2]
        assertRefused(try with(negative), naming: "'negative'", "negative")
        var huge = B.tensor("huge", [1], [1])
        huge.dims = [1 << 40, 1 << 40]
        assertRefused(try with(huge), naming: "'huge'", "too large")
        var short = B.tensor("short", [4], [1, 2, 3, 4])
        short.rawData = short.rawData.prefix(12)
        assertRefused(try with(short), naming: "'short'", "16 bytes", "12")
        var long = B.tensor("long", [2], [1, 2])
        long.rawData.append(contentsOf: [0, 0, 0, 0])
        assertRefused(try with(long), naming: "'long'", "8 bytes")
        var typed = Onnx_TensorProto()
        typed.name = "typed"
        typed.dims = [3]
        typed.dataType = 1
        typed.floatData = [1, 2]
        assertRefused(try with(typed), naming: "'typed'", "3 values")
        var strings = B.tensor("strings", [1], [0])
        strings.dataType = 8
        assertRefused(try with(strings), naming: "'strings'", "data type 8")
    }

    func testEveryElementTypeDecodes() throws {
        let path = try file("types")
        let model = try ONNXModelFile(path: path)
        func tensor(_ type: Int32, raw: [UInt8]? = nil, int32: [Int32] = [], dims: [Int64] = [2]) -> Onnx_TensorProto {
            var t = Onnx_TensorProto()
            t.dims = dims
            t.dataType = type
            if let raw { t.rawData = Data(raw) }
            t.int32Data = int32
            return t
        }
        // float16 1.5 = 0x3E00, −2 = 0xC000; bfloat16 1.5 = 0x3FC0, −2 = 0xC000.
        XCTAssertEqual(try model.tensor(tensor(10, raw: [0x00, 0x3E, 0x00, 0xC0]), context: "f16").elements, .float([1.5, -2]))
        XCTAssertEqual(try model.tensor(tensor(10, int32: [0x3E00, 0xC000]), context: "f16").elements, .float([1.5, -2]))
        XCTAssertEqual(try model.tensor(tensor(16, raw: [0xC0, 0x3F, 0x00, 0xC0]), context: "bf16").elements, .float([1.5, -2]))
        XCTAssertEqual(try model.tensor(tensor(16, int32: [0x3FC0, 0xC000]), context: "bf16").elements, .float([1.5, -2]))
        XCTAssertEqual(try model.tensor(tensor(3, raw: [0xFF, 0x02]), context: "i8").elements, .int([-1, 2]))
        XCTAssertEqual(try model.tensor(tensor(3, int32: [-1, 2]), context: "i8").elements, .int([-1, 2]))
        XCTAssertEqual(try model.tensor(tensor(6, raw: [0xFE, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0]), context: "i32").elements, .int([-2, 7]))
        XCTAssertEqual(try model.tensor(B.int64s("i64", [-5, 9]), context: "i64").elements, .int([-5, 9]))
        var double = tensor(11)
        double.doubleData = [0.25, -4]
        XCTAssertEqual(try model.tensor(double, context: "f64").elements, .float([0.25, -4]))
        XCTAssertEqual(try model.tensor(tensor(9, raw: [1, 0]), context: "bool").elements, .int([1, 0]))
    }

    func testExternalDataStaysBesideTheModelAndNeedsTheFlag() throws {
        let folder = try temporaryFolder()
        let outside = try temporaryFolder()
        let values: [Float] = [1, 2, 3, 4]
        let bytes = values.withUnsafeBufferPointer { Data(buffer: $0) }
        try (Data(count: 8) + bytes).write(to: URL(fileURLWithPath: folder + "/weights.bin"))
        try bytes.write(to: URL(fileURLWithPath: outside + "/secret.bin"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.bin", withDestinationPath: outside + "/secret.bin")
        func model(_ location: String, offset: String = "8", length: String = "16") throws -> String {
            var t = Onnx_TensorProto()
            t.name = "w"
            t.dims = [4]
            t.dataType = 1
            t.dataLocation = .external
            t.externalData = [("location", location), ("offset", offset), ("length", length)].map { k, v in
                var e = Onnx_StringStringEntryProto()
                e.key = k
                e.value = v
                return e
            }
            let source = try file("external") { $0.graph.initializer = [t]; $0.graph.node[1].input.append("w") }
            let path = folder + "/model-\(UUID().uuidString).onnx"
            try FileManager.default.moveItem(atPath: source, toPath: path)
            return path
        }
        let good = try model("weights.bin")
        let read = try ONNXModelFile(path: good, allowExternalData: true)
        XCTAssertEqual(try read.tensor(read.initializers[0].proto, context: "w").elements, .float(values))
        assertRefused(good, naming: "--allow-external-data")
        assertRefused(try model("../" + (outside as NSString).lastPathComponent + "/secret.bin", offset: "0"), naming: "outside", allowExternal: true)
        assertRefused(try model(outside + "/secret.bin", offset: "0"), naming: "outside", allowExternal: true)
        assertRefused(try model("link.bin", offset: "0"), naming: "outside", allowExternal: true)
        assertRefused(try model("weights.bin", offset: "16"), naming: "past the end", allowExternal: true)
        assertRefused(try model("weights.bin", offset: "9223372036854775807"), naming: "past the end", allowExternal: true)
        assertRefused(try model("weights.bin", length: "12"), naming: "length", allowExternal: true)
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "graft-onnx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
