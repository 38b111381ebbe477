import XCTest
@testable import GraftHub
import GraftTestSupport

final class SHA256Tests: XCTestCase {
    /// FIPS 180-2's test vectors, and a file hashed in pieces equals `sha256sum`.
    func testKnownDigests() throws {
        XCTAssertEqual(try SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(try SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let folder = try temporaryFolder("sha256")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 3 MiB + 17 bytes: several reads of the 1 MiB buffer and a short last one.
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/f"))
        let reference = String(decoding: try runCommand("/usr/bin/sha256sum", [folder + "/f"]).prefix(64), as: UTF8.self)
        XCTAssertEqual(try SHA256.hex(ofFile: folder + "/f"), reference)
        XCTAssertEqual(try SHA256.hex(of: bytes), reference)
    }
}
