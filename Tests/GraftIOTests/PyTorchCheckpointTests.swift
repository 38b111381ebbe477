import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import XCTest

/// Reading files that torch 1.13 wrote, compared exactly with the values torch dumped.
final class PyTorchCheckpointTests: XCTestCase {
    static var files: Result<TorchFiles, Error>!

    override class func setUp() { files = Result { try TorchFiles.make() } }
    override class func tearDown() { try? files.get().cleanUp() }

    var files: TorchFiles { get throws { try Self.files.get() } }

    func testZipFormatEveryDtypeAndView() throws {
        let f = try files
        let tensors = try PyTorchCheckpoint.read(f.path("tensors.pth"))
        assertExactlyEqual(tensors, try f.expected("tensors.pth"))
        XCTAssertEqual(try WeightFormat.detect(f.path("tensors.pth")), .pytorchZip)
        // Spot checks independent of the dump: 0-d tensors, int64 extremes, views.
        let byName = Dictionary(uniqueKeysWithValues: tensors)
        XCTAssertEqual(byName["counter"]?.shape, [])
        XCTAssertEqual(byName["counter"]?.int64Values, [7])
        XCTAssertEqual(byName["scalar"]?.toArray(), [2.5])
        XCTAssertEqual(byName["i64"]?.int64Values, [0, -1, 1 << 62, Int64.min, (1 << 53) + 1, 123_456_789_012_345])
        XCTAssertEqual(byName["i32"]?.labels, [0, -1, Int(Int32.max), Int(Int32.min), 5, 6])
        XCTAssertEqual(byName["transposed"]?.shape, [5, 3])
        XCTAssertEqual(byName["sliced"]?.shape, [3, 3])
        let base = byName["base"]!.toArray()
        XCTAssertEqual(byName["sliced"]!.toArray(), [6, 8, 10, 12, 14, 16, 18, 20, 22].map { base[$0] })
        XCTAssertEqual(byName["empty"]?.shape, [0, 3])
    }

    func testLegacyFormatEveryDtypeAndView() throws {
        let f = try files
        XCTAssertEqual(try WeightFormat.detect(f.path("tensors_legacy.pth")), .pytorchLegacy)
        assertExactlyEqual(try PyTorchCheckpoint.read(f.path("tensors_legacy.pth")), try f.expected("tensors_legacy.pth"))
    }

    func testHalfAndBFloat16AreConvertedExactlyForEveryBitPattern() throws {
        let f = try files
        let keys = ["f16_all", "bf16_all"]
        let tensors = try PyTorchCheckpoint.read(f.path("tensors.pth")).filter { keys.contains($0.0) }
        XCTAssertEqual(tensors.map(\.1.count), [65536, 65536])
        assertExactlyEqual(tensors, try f.expected("tensors.pth").filter { keys.contains($0.0) })
    }

    func testWrappersAndDataParallelPrefixAreRemoved() throws {
        let f = try files
        // {"state_dict": {"module.f32": …}, "epoch": 3, "best": 0.75}, zip format.
        assertExactlyEqual(try PyTorchCheckpoint.read(f.path("wrapped.pth")), try f.expected("wrapped.pth"))
        // {"model": {"module.…"}, "optimizer": SGD state dict}, legacy format.
        assertExactlyEqual(try PyTorchCheckpoint.read(f.path("wrapped_legacy.pth")), try f.expected("wrapped_legacy.pth"))
    }

    func testTorchvisionResNet18MatchesItsRawDump() throws {
        let reference = try TorchReference.generate(model: "resnet18", batch: 1, size: 32, classes: 10)
        defer { reference.cleanUp() }
        let tensors = try PyTorchCheckpoint.read(reference.pthPath)
        XCTAssertEqual(tensors.count, 122)
        // The dump holds the float tensors; torchvision's fresh counters are all 0.
        assertExactlyEqual(tensors, reference.stateDict)
        XCTAssertEqual(try readWeights(reference.pthPath).map(\.0), reference.keys.map(\.name))
    }
}
