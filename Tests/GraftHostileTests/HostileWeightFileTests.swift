import Foundation
import XCTest
import GraftTestSupport

/// Weight files that once crashed `graft inspect`/`predict --weights` or were misread.
final class HostileWeightFileTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder("weights") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// A safetensors file whose 0x280-byte header makes it start `80 02`, a pickle's PROTO 2.
    func testSafetensorsStartingLikeAPickleIsInspected() throws {
        var header = Array(#"{"fc.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        header += [UInt8](repeating: 0x20, count: 0x280 - header.count)
        let path = folder + "/run.safetensors"
        try Data([0x80, 0x02, 0, 0, 0, 0, 0, 0] + header + [0, 0, 0x80, 0x3f]).write(to: URL(fileURLWithPath: path))
        let run = try runGraftChild(["inspect", path])
        assertCleanExit(run, status: 0)
        XCTAssertTrue(run.stdout.contains("fc.weight"), run.stdout)
    }

    /// The legacy format's three header pickles, then a main pickle of `body`.
    func legacyCheckpoint(_ body: [UInt8]) -> Data {
        let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
        return Data([0x80, 0x02, 0x8a, 0x0a] + magic + [0x2e, 0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e, 0x80, 0x02, 0x7d, 0x2e, 0x80, 0x02]
                    + body + [0x2e])
    }

    /// 200,000 nested lists and 1,000,000 nested tuples (a 400 KB and a 1 MB file).
    func testDeeplyNestedPicklesAreRefused() throws {
        let lists = [UInt8](repeating: 0x5d, count: 200_000) + [UInt8](repeating: 0x61, count: 199_999)
        let tuples = [0x4e] + [UInt8](repeating: 0x85, count: 1_000_000)
        for (name, body) in [("lists", lists), ("tuples", tuples)] {
            let path = folder + "/\(name).pth"
            try legacyCheckpoint(body).write(to: URL(fileURLWithPath: path))
            assertCleanExit(try runGraftChild(["inspect", path]), status: 1, mentions: [path, "nest deeper than 100 levels"])
            assertCleanExit(try runGraftChild(["predict", "--model", "lenet5", "--weights", path, path]), status: 1,
                            mentions: [path, "nest deeper than 100 levels"])
        }
    }

    /// A text file is described, not echoed.
    func testTextFileIsDescribedNotDumped() throws {
        let path = folder + "/passwd"
        try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: URL(fileURLWithPath: path))
        let run = try runGraftChild(["inspect", path])
        assertCleanExit(run, status: 1, mentions: [path, "it looks like text"])
        XCTAssertFalse(run.stderr.contains("root:x"), run.stderr)
    }
}
