import Foundation
import GraftIO
import GraftTestSupport
import XCTest

/// One member of a zip archive (a wheel), stored or deflated, streamed out and checked.
final class ZipMemberStreamTests: XCTestCase {
    private var folder = ""
    override func setUpWithError() throws { folder = try temporaryFolder("zip-member") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// 3 MiB of half-compressible bytes.
    private let payload: Data = {
        var state: UInt32 = 12345
        return Data((0..<(3 << 20)).map { i in
            state = state &* 1_664_525 &+ 1_013_904_223
            return i % 2 == 0 ? UInt8(truncatingIfNeeded: state >> 24) : UInt8(truncatingIfNeeded: i / 4096)
        })
    }()

    /// Writes an archive with Python's zipfile: `payload` as `pkg/w.pth` (deflated or stored) and a small file.
    private func archive(deflated: Bool) throws -> String {
        let path = folder + (deflated ? "/deflated.whl" : "/stored.whl")
        try payload.write(to: URL(fileURLWithPath: folder + "/payload"))
        try runPython(["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED if sys.argv[3] == "1" else zipfile.ZIP_STORED) as z:
                z.writestr("pkg/__init__.py", "")
                z.write(sys.argv[2], "pkg/w.pth")
            """, path, folder + "/payload", deflated ? "1" : "0"])
        return path
    }

    private func extract(_ path: String, _ member: String = "pkg/w.pth", maximumSize: Int = 1 << 30) throws -> (Data, Int) {
        var out = Data()
        var pieces = 0
        let size = try streamZipMember(member, of: path, maximumSize: maximumSize) { piece in
            out.append(contentsOf: piece)
            pieces += 1
        }
        XCTAssertEqual(size, out.count)
        return (out, pieces)
    }

    func testDeflatedAndStoredMembers() throws {
        for deflated in [true, false] {
            let (out, pieces) = try extract(try archive(deflated: deflated))
            XCTAssertEqual(out, payload)
            XCTAssertGreaterThanOrEqual(pieces, 3, "streamed in pieces of at most 1 MiB")
        }
    }

    func testBadRequestsAndDamagedArchives() throws {
        let path = try archive(deflated: true)
        var text = errorText { try extract(path, "pkg/missing.pth") }
        XCTAssertTrue(text.contains(path) && text.contains("no member 'pkg/missing.pth'") && text.contains("pkg/w.pth"), text)
        text = errorText { try extract(path, maximumSize: 1000) }
        XCTAssertTrue(text.contains(path) && text.contains("more than the 1000 allowed"), text)

        // A flipped byte inside the deflated data: zlib or the CRC-32 finds it.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let damaged = folder + "/damaged.whl"
        let middle = bytes.count / 2
        bytes[middle] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: damaged))
        text = errorText { try extract(damaged) }
        XCTAssertTrue(text.contains(damaged) && (text.contains("CRC-32") || text.contains("deflate") || text.contains("bytes")), text)

        // Cut short: no central directory.
        let cut = folder + "/cut.whl"
        try bytes.prefix(middle).write(to: URL(fileURLWithPath: cut))
        text = errorText { try extract(cut) }
        XCTAssertTrue(text.contains(cut) && text.contains("cut short"), text)
    }

    func testSinkErrorStopsTheStream() throws {
        struct Full: Error {}
        var calls = 0
        XCTAssertThrowsError(try streamZipMember("pkg/w.pth", of: try archive(deflated: true), maximumSize: 1 << 30) { _ in
            calls += 1
            throw Full()
        }) { XCTAssertTrue($0 is Full) }
        XCTAssertEqual(calls, 1)
    }
}
