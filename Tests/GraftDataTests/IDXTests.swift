import CZlib
import Foundation
import XCTest
import GraftTestSupport
@testable import GraftData

/// IDX headers are checked before anything is allocated or inflated for them, and labels
/// out of range are named with their index.
final class IDXTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder("idx") }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// An IDX header of unsigned bytes with `dims`.
    static func header(_ dims: [UInt32]) -> [UInt8] {
        [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in (0..<4).map { UInt8(truncatingIfNeeded: d >> (24 - 8 * $0)) } }
    }

    /// Writes `bytes` gzip-compressed, followed by `extraZeros` zero bytes compressed in
    /// 64 MiB gzip members (zlib reads concatenated members as one stream).
    static func writeGzip(_ path: String, _ bytes: [UInt8], extraZeros: Int = 0) throws {
        guard let file = gzopen(path, "wb1") else { throw DataError.unwritable(file: path, reason: "gzopen") }
        _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
        guard extraZeros > 0 else { return }
        let chunk = 64 << 20
        let member = folder(path) + "/zeros.gz"
        guard let zeros = gzopen(member, "wb9") else { throw DataError.unwritable(file: member, reason: "gzopen") }
        let buffer = [UInt8](repeating: 0, count: chunk)
        _ = buffer.withUnsafeBytes { gzwrite(zeros, $0.baseAddress, UInt32($0.count)) }
        gzclose(zeros)
        let compressed = try Data(contentsOf: URL(fileURLWithPath: member))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        for _ in 0..<(extraZeros / chunk) { handle.write(compressed) }
        handle.closeFile()
    }

    static func folder(_ path: String) -> String { (path as NSString).deletingLastPathComponent }

    func testHugeDimensionsAreRefusedBeforeAllocating() throws {
        let path = folder + "/huge-idx3-ubyte"
        try Data(Self.header([0xffff_ffff, 0xffff_ffff, 0xffff_ffff]) + [1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try IDX.readBytes(path)) { error in
            XCTAssertEqual(error as? DataError, .corrupt(file: path, reason: "IDX dimensions 4294967295×4294967295×4294967295 "
                                                             + "exceed the limit of \(IDX.maximumDataLength) bytes of data"))
        }
    }

    /// A gzip file whose data goes on far past what its header says is refused after
    /// inflating one byte more than that, not all of it (this one inflates to 128 MiB).
    func testGzipIsInflatedOnlyAsFarAsTheHeaderSays() throws {
        let path = folder + "/bomb-idx1-ubyte.gz"
        try Self.writeGzip(path, Self.header([10]) + [UInt8](repeating: 1, count: 10), extraZeros: 128 << 20)
        XCTAssertThrowsError(try IDX.readBytes(path)) { error in
            XCTAssertEqual(error as? DataError, .corrupt(file: path, reason: "the file holds more than the 10 bytes of data its IDX header promises"))
        }
        try Self.writeGzip(path, Self.header([10]) + [UInt8](repeating: 1, count: 10))
        XCTAssertEqual(try IDX.readBytes(path).data, [UInt8](repeating: 1, count: 10))
        try Self.writeGzip(path, Self.header([10]) + [UInt8](repeating: 1, count: 9))
        XCTAssertThrowsError(try IDX.readBytes(path)) { error in
            XCTAssertEqual(error as? DataError, .corrupt(file: path, reason: "IDX header promises 10 bytes of data, file holds 9"))
        }
    }

    /// Writes an IDX data set of 2×2 images with `train` and `test` labels.
    func writeDataset(train: [UInt8], test: [UInt8]) throws {
        for (split, labels) in [("train", train), ("t10k", test)] {
            let n = UInt32(labels.count)
            try Data(Self.header([n, 2, 2]) + [UInt8](repeating: 7, count: 4 * labels.count))
                .write(to: URL(fileURLWithPath: folder + "/\(split)-images-idx3-ubyte"))
            try Data(Self.header([n]) + labels).write(to: URL(fileURLWithPath: folder + "/\(split)-labels-idx1-ubyte"))
        }
    }

    func testOutOfRangeLabelsAreNamedWithTheirIndex() throws {
        try writeDataset(train: [0, 1, 2, 200, 1], test: [0, 1])
        XCTAssertThrowsError(try IDXDataset(directory: folder)) { error in
            XCTAssertEqual(error as? DataError, .corrupt(file: self.folder + "/train-labels-idx1-ubyte", reason:
                "label 200 at index 3 is out of range: no image has label 3, and labels number the classes 0…N−1"))
        }
        try writeDataset(train: [0, 1, 2, 1], test: [0, 9])
        XCTAssertThrowsError(try IDXDataset(directory: folder)) { error in
            XCTAssertEqual(error as? DataError, .corrupt(file: self.folder + "/t10k-labels-idx1-ubyte", reason:
                "label 9 at index 1 is out of range: the training labels make the classes 0…2"))
        }
        try writeDataset(train: [0, 1, 2, 1], test: [2])
        XCTAssertEqual(try IDXDataset(directory: folder).test.classNames, ["0", "1", "2"])
    }
}
