import Foundation
import GraftCore
import GraftIO
import GraftNN
import XCTest

/// Files that must be refused with an error naming the file and what is wrong, without
/// executing anything.
final class HostileFileTests: XCTestCase {
    static var files: Result<TorchFiles, Error>!

    override class func setUp() { files = Result { try TorchFiles.make() } }
    override class func tearDown() { try? files.get().cleanUp() }

    var files: TorchFiles { get throws { try Self.files.get() } }

    func testOsSystemIsRefusedAndNeverRuns() throws {
        let f = try files
        // torch_files.py checked that Python's pickle.loads does run this payload.
        for name in ["os_system.pth", "os_system_legacy.pth"] {
            assertWeightError(try PyTorchCheckpoint.read(f.path(name)), contains: [f.path(name), "os.system is not allowed in a weight file"])
            assertWeightError(try loadWeights(into: Module(), from: f.path(name)), contains: ["os.system"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.path("pwned")), "the payload ran")
    }

    func testOtherGlobalsAreRefusedByName() throws {
        let f = try files
        assertWeightError(try PyTorchCheckpoint.read(f.path("eval_stack_global.pth")), contains: ["builtins.eval is not allowed"])
        assertWeightError(try PyTorchCheckpoint.read(f.path("whole_model.pth")),
                          contains: [f.path("whole_model.pth"), "torch.nn.modules.container.Sequential is not allowed"])
    }

    func testUnsupportedContentsAndMissingStorages() throws {
        let f = try files
        assertWeightError(try PyTorchCheckpoint.read(f.path("huge_view.pth")), contains: [f.path("huge_view.pth"), "'huge'", "2147483648"])
        assertWeightError(try PyTorchCheckpoint.read(f.path("rank7.pth")), contains: [f.path("rank7.pth"), "'deep'", "7 dimensions"])
        assertWeightError(try PyTorchCheckpoint.read(f.path("list.pth")), contains: [f.path("list.pth"), "a list, not a state dict"])
        assertWeightError(try PyTorchCheckpoint.read(f.path("bytes.pth")), contains: [f.path("bytes.pth"), "torch.ByteStorage", "'0'"])
        assertWeightError(try PyTorchCheckpoint.read(f.path("missing_storage.pth")),
                          contains: [f.path("missing_storage.pth"), "storage '0' is missing"])
    }

    /// Writes the first `length` bytes of fixture `name` as a new file.
    func cut(_ name: String, to length: (Int) -> Int) throws -> String {
        let f = try files
        let data = try Data(contentsOf: URL(fileURLWithPath: f.path(name)))
        let path = f.path("cut-\(UUID().uuidString)-\(name)")
        try data.prefix(length(data.count)).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTruncatedZip() throws {
        for length in [{ $0 / 2 }, { $0 - 10 }, { _ in 3 }] as [(Int) -> Int] {
            let path = try cut("tensors.pth", to: length)
            assertWeightError(try PyTorchCheckpoint.read(path), contains: [path, "truncated"])
        }
    }

    func testTruncatedLegacyFile() throws {
        // Inside the data of the last storage, which is named.
        let inData = try cut("tensors_legacy.pth", to: { $0 - 3 })
        assertWeightError(try PyTorchCheckpoint.read(inData), contains: [inData, "truncated", "storage '"])
        // Inside the main pickle.
        let inPickle = try cut("tensors_legacy.pth", to: { _ in 400 })
        assertWeightError(try PyTorchCheckpoint.read(inPickle), contains: [inPickle, "truncated", "pickle"])
    }

    /// Every proper prefix of small files of each format is refused (no crash, no partial
    /// result), and no single-byte corruption crashes the readers.
    func testEveryPrefixAndByteCorruptionIsHandled() throws {
        let f = try files
        let path = f.path("fuzz.bin")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        /// Replaces the file's content (cheaper than writing a new file each time).
        func store(_ bytes: Data) {
            ftruncate(fd, 0)
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        for name in ["seq.pth", "wrapped_legacy.pth", "python.safetensors"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: f.path(name)))
            for length in 0..<data.count {
                store(data.prefix(length))
                XCTAssertThrowsError(try readWeights(path), "\(name) cut to \(length) bytes")
            }
            for i in 0..<data.count {
                var corrupt = data
                corrupt[i] ^= 0xff
                store(corrupt)
                _ = try? readWeights(path)
            }
        }
    }

    func testWrongMagicNumber() throws {
        let f = try files
        var data = try Data(contentsOf: URL(fileURLWithPath: f.path("tensors_legacy.pth")))
        XCTAssertEqual(Array(data[4..<6]), [0x6c, 0xfc])
        data[4] = 0x6d
        let path = f.path("magic.pth")
        try data.write(to: URL(fileURLWithPath: path))
        assertWeightError(try PyTorchCheckpoint.read(path), contains: [path, "wrong magic number", "0x1950a86a20f9469cfc6d"])
        let text = f.path("text.pth")
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: text))
        assertWeightError(try PyTorchCheckpoint.read(text), contains: [text, "wrong magic number"])
        assertWeightError(try readWeights(text), contains: [text, "unknown format"])
        assertWeightError(try readWeights(f.path("absent.pth")), contains: [f.path("absent.pth"), "cannot read"])
    }
}
