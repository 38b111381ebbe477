import Foundation
import XCTest
import GraftTestSupport
import GraftCore
@testable import GraftIO

/// Format detection by each format's structure, not by a first byte that a safetensors
/// header length can share with a pickle's PROTO opcode.
final class WeightFormatTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder("weight-format") }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// A safetensors file with one F32 tensor `w` = [1.5] whose header is padded with spaces
    /// to `headerLength` bytes.
    static func safetensors(headerLength: Int) -> Data {
        var header = Array(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        header += [UInt8](repeating: 0x20, count: headerLength - header.count)
        var data = Data()
        withUnsafeBytes(of: UInt64(headerLength).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { data.append(contentsOf: $0) }
        return data
    }

    /// Header lengths 0x200 … 0x2ff: every first byte, 0x80 (`80 02`, a pickle's PROTO 2)
    /// included, is read as safetensors.
    func testEveryHeaderLengthResidueIsSafetensors() throws {
        let path = folder + "/w.safetensors"
        for length in 0x200..<0x300 {
            try Self.safetensors(headerLength: length).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try WeightFormat.detect(path), .safetensors, "header length 0x\(String(length, radix: 16))")
            let tensors = try readWeights(path)
            XCTAssertEqual(tensors.map(\.0), ["w"])
            XCTAssertEqual(tensors.first?.1.toArray(), [1.5])
        }
    }

    /// Graft's own writer, with metadata sized so that the padded header is 0x280 bytes long.
    func testWrittenCheckpointWithHeaderLength0x280IsReadBack() throws {
        let path = folder + "/m.safetensors"
        let tensors = [("w", Tensor(shape: [1], data: [1.5]))]
        var padding = ""
        while true {
            try SafeTensors.write(tensors, metadata: ["note": padding], to: path)
            let head = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(2)
            if Array(head) == [0x80, 0x02] { break }
            padding += "x"
            XCTAssertLessThan(padding.count, 1000)
        }
        XCTAssertEqual(try readWeights(path).map(\.0), ["w"])
        XCTAssertEqual(try SafeTensors.readMetadata(path)["note"], padding)
    }

    /// The legacy format is recognised by the pickle of torch's magic number (protocols 2–5,
    /// framed or not), as `torch.save(…, _use_new_zipfile_serialization=False)` writes it.
    func testLegacyMagicNumberPickle() throws {
        let path = folder + "/legacy.pth"
        let magic: [UInt8] = [0x8a, 0x0a] + PyTorchCheckpoint.magicNumber + [0x2e]
        for prefix: [UInt8] in [[0x80, 0x02], [0x80, 0x04, 0x95, 13, 0, 0, 0, 0, 0, 0, 0]] {
            try Data(prefix + magic + [0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e]).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try WeightFormat.detect(path), .pytorchLegacy)
        }
        // A pickle of something else is no legacy checkpoint.
        try Data([0x80, 0x02, 0x4b, 0x07, 0x2e]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try WeightFormat.detect(path))
    }

    /// A file of another kind is described, never echoed.
    func testOtherFilesAreDescribedNotDumped() throws {
        let cases: [(bytes: [UInt8], words: String)] = [
            (Array("root:x:0:0:root:/root:/bin/bash\n".utf8), "it looks like text"),
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "it looks like a PNG image"),
            ([0x00, 0x01, 0x02, 0xff], "it holds binary data of an unknown kind"),
            ([], "it is empty"),
        ]
        let path = folder + "/other"
        for (bytes, words) in cases {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try readWeights(path)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(path) && message.contains(words), message)
                XCTAssertTrue(message.contains("neither safetensors, a PyTorch zip nor a legacy PyTorch file"), message)
                XCTAssertFalse(message.contains("root:x") || message.contains("72 6f"), message)
            }
        }
    }
}
