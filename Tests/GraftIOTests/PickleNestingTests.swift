import Foundation
import XCTest
@testable import GraftIO

/// Pickles nested far deeper than a state dict, or cyclic, are refused by a bound rather
/// than overflowing the stack while they are decoded, walked or released.
final class PickleNestingTests: XCTestCase {
    func load(_ body: [UInt8]) throws {
        let pickle: [UInt8] = [0x80, 0x02] + body + [0x2e]
        _ = try pickle.withUnsafeBytes { try Unpickler.load($0, file: "deep.pkl", persistentLoad: { _, _ in .none }) }
    }

    func assertRefused(_ body: [UInt8], _ words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(body), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(words), "\(error)", file: file, line: line)
        }
    }

    /// 200,000 nested lists (pushed, then each APPENDed into the one below) and 1,000,000
    /// nested tuples (TUPLE1 over and over).
    func testDeepNestingIsRefused() {
        let lists = 200_000
        assertRefused([UInt8](repeating: 0x5d, count: lists) + [UInt8](repeating: 0x61, count: lists - 1), "nest deeper than 100 levels")
        assertRefused([0x4e] + [UInt8](repeating: 0x85, count: 1_000_000), "nest deeper than 100 levels")
        // Dicts: {k: {k: …}} built inside out with SETITEM.
        let dicts = [UInt8](repeating: 0x7d, count: 1) + Array(repeating: [0x4b, 0x01, 0x7d], count: 500).flatMap { $0 }
            + [UInt8](repeating: 0x73, count: 500)
        assertRefused(dicts, "nest deeper than 100 levels")
    }

    func testNestingUpToTheLimitIsRead() throws {
        try load([0x4e] + [UInt8](repeating: 0x85, count: Unpickler.maximumDepth))
        assertRefused([0x4e] + [UInt8](repeating: 0x85, count: Unpickler.maximumDepth + 1), "nest deeper")
    }

    /// A list that grows after it sits in a tuple, or that is appended to itself, would make
    /// depths unknowable or a cycle.
    func testCyclesAndLateGrowthAreRefused() {
        // L = []; memo 0; (L,); L.append(None)
        assertRefused([0x5d, 0x71, 0x00, 0x85, 0x68, 0x00, 0x4e, 0x61, 0x30], "grows after it was put inside another value")
        // L = []; memo 0; L.append(L)
        assertRefused([0x5d, 0x71, 0x00, 0x68, 0x00, 0x61], "is put inside itself")
    }

    /// A legacy `.pth` whose state-dict pickle nests 200,000 lists is refused by readWeights.
    func testDeepLegacyCheckpointIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deep-\(UUID()).pth").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Self.deepLegacyCheckpoint(lists: 200_000)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try readWeights(path)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("nest deeper than 100 levels"), "\(error)")
        }
    }

    /// The legacy format's magic number, protocol version and system-information pickles,
    /// then a main pickle of `lists` nested lists.
    static func deepLegacyCheckpoint(lists: Int) -> [UInt8] {
        [0x80, 0x02, 0x8a, 0x0a] + PyTorchCheckpoint.magicNumber + [0x2e, 0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e, 0x80, 0x02, 0x7d, 0x2e,
                                                                    0x80, 0x02]
            + [UInt8](repeating: 0x5d, count: lists) + [UInt8](repeating: 0x61, count: lists - 1) + [0x2e]
    }
}
