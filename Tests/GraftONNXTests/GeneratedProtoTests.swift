import SwiftProtobuf
import XCTest
@testable import GraftONNX

/// The committed generated code reads ONNX's wire format with onnx.proto's field numbers.
final class GeneratedProtoTests: XCTestCase {
    func testHandWrittenModelBytesDecode() throws {
        // ModelProto { ir_version (1) = 7, opset_import (8) = { domain (1) = "", version (2) = 13 },
        //              graph (7) = { name (2) = "g" } }
        let bytes: [UInt8] = [0x08, 0x07, 0x42, 0x04, 0x0A, 0x00, 0x10, 0x0D, 0x3A, 0x03, 0x12, 0x01, 0x67]
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        XCTAssertEqual(model.irVersion, 7)
        XCTAssertEqual(model.opsetImport.map(\.version), [13])
        XCTAssertEqual(model.graph.name, "g")
    }
}
