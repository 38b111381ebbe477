import Foundation
import GraftCore
import GraftIO
import XCTest

final class SafeTensorsTests: XCTestCase {
    static var files: Result<TorchFiles, Error>!

    override class func setUp() { files = Result { try TorchFiles.make() } }
    override class func tearDown() { try? files.get().cleanUp() }

    var files: TorchFiles { get throws { try Self.files.get() } }

    /// Tensors of every dtype Graft writes, including a 0-d counter and an empty tensor.
    func sample() -> [(String, Tensor)] {
        [("conv.weight", Tensor(shape: [2, 1, 2, 2], data: [1, -2, 0.5, .infinity, -0.0, .leastNonzeroMagnitude, 3e38, .nan])),
         ("bn.num_batches_tracked", Tensor(int64: [Int64.max], shape: [])),
         ("labels", Tensor(labels: [Int(Int32.min), 7, -1])),
         ("steps", Tensor(int64: [-5, 1 << 40], shape: [2])),
         ("empty", Tensor(shape: [0], data: [])),
         ("fc.bias", Tensor(shape: [3], data: [0.1, 0.2, 0.3]))]
    }

    func testReadsAFileWrittenByPython() throws {
        let f = try files
        let file = try SafeTensors.read(f.path("python.safetensors"))
        assertExactlyEqual(file.tensors, try f.expected("python.safetensors"))
        XCTAssertEqual(file.metadata, ["architecture": "resnet18", "classes": "[\"cat\", \"dog\"]", "note": "naïve ✓"])
        XCTAssertEqual(try SafeTensors.readMetadata(f.path("python.safetensors")), file.metadata)
        XCTAssertEqual(try WeightFormat.detect(f.path("python.safetensors")), .safetensors)
        XCTAssertEqual(file["half"]?.toArray(), [1, -2.5, 65504, Float(Float16(6e-8))])
    }

    func testRoundTripThroughGraft() throws {
        let path = try files.path("graft.safetensors")
        let metadata = ["architecture": "lenet5", "classes": "[\"a\", \"b\\\"\"]", "mean": "0.5\n0.25\t\u{1}"]
        try SafeTensors.write(sample(), metadata: metadata, to: path)
        let back = try SafeTensors.read(path)
        assertExactlyEqual(back.tensors, sample())
        XCTAssertEqual(back.metadata, metadata)
    }

    func testRoundTripThroughPython() throws {
        let f = try files
        let path = f.path("for_python.safetensors"), pth = f.path("from_python.pth")
        try SafeTensors.write(sample(), metadata: ["architecture": "resnet18"], to: path)
        let report = try JSONSerialization.jsonObject(with: TorchFiles.python(["roundtrip", path, pth])) as! [String: Any]
        XCTAssertEqual(report["metadata"] as? [String: String], ["architecture": "resnet18"])
        XCTAssertEqual(report["keys"] as? [String], sample().map(\.0))
        XCTAssertEqual(report["dtypes"] as? [String],
                       ["torch.float32", "torch.int64", "torch.int32", "torch.int64", "torch.float32", "torch.float32"])
        XCTAssertEqual(report["shapes"] as? [[Int]], [[2, 1, 2, 2], [], [3], [2], [0], [3]])
        // Python read the values with torch.frombuffer and saved them with torch.save.
        assertExactlyEqual(try PyTorchCheckpoint.read(pth), sample())
    }

    func testWriteIsAtomicAndReplacesTheOldFile() throws {
        let f = try files
        let path = f.path("atomic.safetensors")
        try SafeTensors.write([("a", Tensor(shape: [1], data: [1]))], to: path)
        try SafeTensors.write([("b", Tensor(shape: [2], data: [2, 3]))], to: path)
        XCTAssertEqual(try SafeTensors.read(path).tensors.map(\.0), ["b"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.directory).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
        // A failing write (duplicate names) leaves the old file and no temporary file.
        assertWeightError(try SafeTensors.write([("x", Tensor.zeros([1])), ("x", Tensor.zeros([1]))], to: path),
                          contains: [path, "'x'"])
        XCTAssertEqual(try SafeTensors.read(path).tensors.map(\.0), ["b"])
        assertWeightError(try SafeTensors.write(sample(), to: f.path("no/such/dir/w.safetensors")),
                          contains: ["no/such/dir/w.safetensors", "cannot write"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.directory).filter { $0.hasSuffix(".tmp") }, [])
    }

    // MARK: Hostile headers

    /// A file with the given header text and `dataBytes` zero bytes of data.
    func craft(_ name: String, header: String, dataBytes: Int, declaredLength: UInt64? = nil) throws -> String {
        let path = try files.path(name)
        let json = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { Array($0) }
        bytes += json + [UInt8](repeating: 0, count: dataBytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testRefusesHeadersThatPointPastTheEndOfTheFile() throws {
        let past = try craft("past.safetensors", header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataBytes: 8)
        assertWeightError(try SafeTensors.read(past), contains: [past, "'w'", "[0, 16]", "past the end"])
        let long = try craft("long.safetensors", header: #"{}"#, dataBytes: 0, declaredLength: 4096)
        assertWeightError(try SafeTensors.read(long), contains: [long, "truncated", "4096"])
        let huge = try craft("huge.safetensors", header: #"{}"#, dataBytes: 0, declaredLength: 1 << 40)
        assertWeightError(try SafeTensors.read(huge), contains: [huge, "header length"])
        let tiny = try files.path("tiny.safetensors")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        assertWeightError(try SafeTensors.read(tiny), contains: [tiny, "truncated"])
    }

    func testRefusesInconsistentHeaders() throws {
        let cases: [(String, String, Int, [String])] = [
            ("overlap", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, ["'b'", "'a'", "overlap"]),
            ("hole", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, ["0..<4", "'a'"]),
            ("tail", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, ["4..<8"]),
            ("size", #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}"#, 8, ["'a'", "F16 [3]"]),
            ("dtype", #"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#, 8, ["'a'", "U8"]),
            ("shape", #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4, ["'a'", "shape"]),
            ("reversed", #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, 4, ["'a'", "[4, 0]"]),
            ("duplicate", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4, ["'a'", "twice"]),
            ("json", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, 4, ["JSON", "byte"]),
            ("metadata", #"{"__metadata__":{"n":1}}"#, 0, ["__metadata__", "'n'"]),
            ("list", #"[1]"#, 0, ["not a JSON object"]),
        ]
        for (name, header, dataBytes, fragments) in cases {
            let path = try craft(name + ".safetensors", header: header, dataBytes: dataBytes)
            assertWeightError(try SafeTensors.read(path), contains: [path] + fragments)
        }
    }
}
