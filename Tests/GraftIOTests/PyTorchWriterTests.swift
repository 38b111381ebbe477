import Foundation
import GraftCore
@testable import GraftIO
import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

/// PyTorch checkpoints that Graft writes: read back by Graft bit for bit, and by torch 1.13
/// itself (`torch.load(weights_only=True)`, `load_state_dict(strict=True)`).
final class PyTorchWriterTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws { directory = try temporaryFolder("writer") }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }

    /// What torch_load_check.py reports about a file, and the bytes of its tensors.
    struct TorchView {
        let keys: [String]
        let dtypes: [String]
        let shapes: [[Int]]
        let strides: [[Int]]
        let entries: [String]
        let dataOffsets: [Int]
        let dump: Data
    }

    func torchLoad(_ file: String, model: String? = nil, classes: Int = 10) throws -> TorchView {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/torch_load_check.py").path
        let dump = file + ".dump"
        let output = try runPython([script, file, dump] + (model.map { [$0, String(classes)] } ?? []))
        let json = try JSONSerialization.jsonObject(with: output) as! [String: Any]
        return TorchView(keys: json["keys"] as! [String], dtypes: json["dtypes"] as! [String],
                         shapes: json["shapes"] as! [[Int]], strides: json["strides"] as! [[Int]],
                         entries: json["entries"] as! [String], dataOffsets: json["data_offsets"] as! [Int],
                         dump: try Data(contentsOf: URL(fileURLWithPath: dump)))
    }

    /// The tensor's elements as torch holds them: row-major, native dtype.
    func bytes(_ t: Tensor) -> [UInt8] {
        switch t.dtype {
        case .float32: return t.count == 0 ? [] : t.toArray().withUnsafeBytes { Array($0) }
        case .int64: return t.int64Values.withUnsafeBytes { Array($0) }
        case .int32: return t.labels.map { Int32($0) }.withUnsafeBytes { Array($0) }
        }
    }

    /// Asserts that torch saw exactly `tensors`: names, order, dtypes, shapes, contiguous
    /// strides and every byte; and that the archive is laid out as torch.save lays it out.
    func assertTorchSees(_ view: TorchView, _ tensors: [(String, Tensor)], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(view.keys, tensors.map(\.0), file: file, line: line)
        XCTAssertEqual(view.dtypes, tensors.map { ["float32": "torch.float32", "int64": "torch.int64", "int32": "torch.int32"]["\($0.1.dtype)"]! },
                       file: file, line: line)
        XCTAssertEqual(view.shapes, tensors.map(\.1.shape), file: file, line: line)
        XCTAssertEqual(view.strides, tensors.map { PyTorchCheckpoint.contiguousStrides($0.1.shape) }, file: file, line: line)
        XCTAssertEqual(view.entries, ["archive/data.pkl", "archive/byteorder"] + tensors.indices.map { "archive/data/\($0)" } + ["archive/version"],
                       file: file, line: line)
        XCTAssertTrue(view.dataOffsets.allSatisfy { $0 % 64 == 0 }, "entry data not 64-byte aligned: \(view.dataOffsets)", file: file, line: line)
        var offset = 0
        for (key, t) in tensors {
            let expected = bytes(t)
            guard offset + expected.count <= view.dump.count else { return XCTFail("dump too short at \(key)", file: file, line: line) }
            if Array(view.dump[offset..<offset + expected.count]) != expected { XCTFail("\(key): bytes differ", file: file, line: line) }
            offset += expected.count
        }
        XCTAssertEqual(offset, view.dump.count, "dump length", file: file, line: line)
    }

    /// Awkward tensors: special floats, every dtype, 0-d, 0-element and 5-d shapes, names
    /// with dots, spaces, quotes and non-ASCII characters.
    func oddTensors() throws -> [(String, Tensor)] {
        let specials: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                 Float(bitPattern: 0x7fc0_1234), 0.1, -Float(bitPattern: 0x0026_1234)]
        let large = (0..<300 * 257).map { Float($0) * 0.25 - 7 }
        return [
            ("layer1.0.conv1.weight", Tensor(shape: [3, 2, 1, 2], data: Array(specials))),
            ("fc.bias", Tensor(shape: [1], data: [42.5])),
            ("bn.num_batches_tracked", Tensor(int64: [7], shape: [])),
            ("i64", Tensor(int64: [0, -1, .max, .min, 1 << 40, 123_456_789_012_345], shape: [2, 3])),
            ("i32", try Tensor(labels: [0, -1, Int(Int32.max), Int(Int32.min), 5, 6]).reshaped([3, 2])),
            ("empty", Tensor(shape: [0, 3], data: [])),
            ("empty_last", Tensor(shape: [3, 0], data: [])),
            ("empty_i64", Tensor(int64: [], shape: [0])),
            ("wide", Tensor(shape: [300, 257], data: large)),
            ("five.d", Tensor(shape: [1, 2, 1, 3, 2], data: (0..<12).map(Float.init))),
            ("héllo.wörld.Σ.🙂", Tensor(shape: [2], data: [1, 2])),
            ("with space, 'quote' and \"double\"\nnewline", Tensor(shape: [1], data: [3])),
        ]
    }

    func testRoundTripIsBitExact() throws {
        let tensors = try oddTensors()
        try PyTorchCheckpoint.write(tensors, to: path("odd.pth"))
        XCTAssertEqual(try WeightFormat.detect(path("odd.pth")), .pytorchZip)
        assertExactlyEqual(try PyTorchCheckpoint.read(path("odd.pth")), tensors)
        assertExactlyEqual(try readWeights(path("odd.pth")), tensors)
    }

    func testTorchLoadsOddTensorsExactly() throws {
        let tensors = try oddTensors()
        try PyTorchCheckpoint.write(tensors, to: path("odd.pth"))
        assertTorchSees(try torchLoad(path("odd.pth")), tensors)
    }

    func testEmptyStateDict() throws {
        try PyTorchCheckpoint.write([], to: path("empty.pth"))
        XCTAssertTrue(try PyTorchCheckpoint.read(path("empty.pth")).isEmpty)
        assertTorchSees(try torchLoad(path("empty.pth")), [])
    }

    /// Zoo models load into torchvision's (and a PyTorch LeNet-5's) with strict=True, and
    /// every tensor arrives bit for bit, BatchNorm counters as int64 scalars.
    func testZooModelsLoadStrictlyIntoTorch() throws {
        for name in ["resnet18", "lenet5"] {
            let model = try ModelZoo.spec(name).make(numClasses: 10)
            for (key, t) in model.stateDict() where key.hasSuffix("num_batches_tracked") { t.assign(Tensor(int64: [7], shape: [])) }
            let file = path(name + ".pth")
            try saveWeights(model, to: file)
            let view = try torchLoad(file, model: name)
            assertTorchSees(view, model.stateDict())
            let counters = view.keys.indices.filter { view.keys[$0].hasSuffix("num_batches_tracked") }
            XCTAssertEqual(counters.count, name == "resnet18" ? 20 : 0)
            for i in counters {
                XCTAssertEqual(view.dtypes[i], "torch.int64")
                XCTAssertEqual(view.shapes[i], [])
            }
            assertExactlyEqual(try readWeights(file), model.stateDict())
        }
    }

    /// Sizes, offsets and counts in zip64 form (forced on a small archive) are read by
    /// zipfile, torch and Graft alike.
    func testZip64FormIsReadEverywhere() throws {
        let tensors = try oddTensors()
        try PyTorchCheckpoint.write(tensors, to: path("zip64.pth"), zip64Threshold: 0)
        assertExactlyEqual(try PyTorchCheckpoint.read(path("zip64.pth")), tensors)
        assertTorchSees(try torchLoad(path("zip64.pth")), tensors)
    }

    /// Integers of every pickle width decode to themselves in Python's pickle and Graft's
    /// unpickler.
    func testPickledIntegersOfEveryWidth() throws {
        let values = [0, 1, 255, 256, 65535, 65536, -1, -128, -129, -256, Int(Int32.max), Int(Int32.min),
                      Int(Int32.max) + 1, Int(Int32.min) - 1, 1 << 40, -(1 << 40), 0x80_0000_0000, Int.max, Int.min]
        let pickle = PickleWriter.pickle(.tuple(values.map { .int($0) }))
        let decoded = try runPython(["-c", "import pickle, sys; print(repr(list(pickle.loads(sys.stdin.buffer.read()))))"], input: Data(pickle))
        XCTAssertEqual(String(decoding: decoded, as: UTF8.self), "[" + values.map(String.init).joined(separator: ", ") + "]\n")
        let (value, _) = try pickle.withUnsafeBytes { try Unpickler.load($0, file: "ints", persistentLoad: { _, _ in .none }) }
        guard case let .tuple(items) = value else { return XCTFail("not a tuple: \(value.kind)") }
        XCTAssertEqual(items.map { item -> Int? in if case let .int(i) = item { return i } else { return nil } }, values)
    }

    func testDuplicateOrEmptyNamesAreRefusedBeforeWriting() throws {
        let t = Tensor(shape: [1], data: [1])
        assertWeightError(try PyTorchCheckpoint.write([("a", t), ("a", t)], to: path("dup.pth")), contains: [path("dup.pth"), "'a'", "unique"])
        assertWeightError(try PyTorchCheckpoint.write([("", t)], to: path("blank.pth")), contains: ["non-empty"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    /// A write that fails (no such folder, a file in the way, the target a folder, the disk
    /// full halfway) throws naming the file and leaves nothing behind; an old file at the
    /// path stays as it was.
    func testFailedWritesLeaveNoFile() throws {
        let tensors = try oddTensors()
        assertWeightError(try PyTorchCheckpoint.write(tensors, to: path("no/such/folder/w.pth")), contains: ["no/such/folder/w.pth", "cannot write"])
        XCTAssertTrue(FileManager.default.createFile(atPath: path("plain"), contents: Data("x".utf8)))
        assertWeightError(try PyTorchCheckpoint.write(tensors, to: path("plain/w.pth")), contains: ["plain/w.pth"])
        try FileManager.default.createDirectory(atPath: path("taken.pth"), withIntermediateDirectories: false)
        assertWeightError(try PyTorchCheckpoint.write(tensors, to: path("taken.pth")), contains: ["taken.pth"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["plain", "taken.pth"])

        // A full disk, simulated by a file-size limit (EFBIG instead of SIGXFSZ).
        try PyTorchCheckpoint.write([("old", Tensor(shape: [1], data: [5]))], to: path("full.pth"))
        let old = try Data(contentsOf: URL(fileURLWithPath: path("full.pth")))
        let big = [("big", Tensor(shape: [1 << 20], data: [Float](repeating: 1, count: 1 << 20)))]
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var small = limit
        small.rlim_cur = 64 << 10
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &small)
        let result = Result { try PyTorchCheckpoint.write(big, to: path("full.pth")) }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        signal(SIGXFSZ, previousHandler)
        assertWeightError(try result.get(), contains: ["full.pth", "cannot write"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("full.pth"))), old)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["full.pth", "plain", "taken.pth"])
    }

    func testSaveWeightsChoosesTheFormatByExtension() throws {
        let model = try LeNet5(numClasses: 3)
        for (name, format) in [("a.pth", WeightFormat.pytorchZip), ("b.PT", .pytorchZip), ("c.safetensors", .safetensors),
                               ("d.weights", .safetensors), ("e", .safetensors)] {
            try saveWeights(model, to: path(name))
            XCTAssertEqual(try WeightFormat.detect(path(name)), format, name)
            assertExactlyEqual(try readWeights(path(name)), model.stateDict())
        }
        XCTAssertNil(WeightFormat.named(by: "dir.pth/file"))
        XCTAssertNil(WeightFormat.named(by: "dir/.pth"))
        assertWeightError(try saveWeights(model, to: path("meta.pth"), metadata: ["classes": "[]"]),
                          contains: ["meta.pth", "metadata (classes)", ".safetensors"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("meta.pth")))
    }

    /// A Graft checkpoint (safetensors with metadata) exported for PyTorch: the weights as
    /// .pth, the metadata as JSON next to it, class names as a JSON list.
    func testExportWritesThePyTorchFileAndItsMetadata() throws {
        let model = try LeNet5(numClasses: 3)
        let source = path("run/best.safetensors")
        try FileManager.default.createDirectory(atPath: path("run"), withIntermediateDirectories: false)
        let metadata = ["architecture": "lenet5", "classes": "[\"cat\", \"dög\", \"a \\\"b\\\"\"]", "epoch": "3", "note": "[not json"]
        try saveWeights(model, to: source, metadata: metadata)

        let export = try exportWeights(from: source, to: path("model.pth"))
        XCTAssertEqual(export.format, .pytorchZip)
        XCTAssertEqual(export.tensors, 10)
        XCTAssertEqual(export.values, model.stateDict().reduce(0) { $0 + $1.1.count })
        XCTAssertEqual(export.metadataFile, path("model.json"))
        assertExactlyEqual(try PyTorchCheckpoint.read(path("model.pth")), model.stateDict())
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("model.json")))) as! [String: Any]
        XCTAssertEqual(sidecar["classes"] as? [String], ["cat", "dög", "a \"b\""])
        XCTAssertEqual(sidecar["architecture"] as? String, "lenet5")
        XCTAssertEqual(sidecar["epoch"] as? String, "3")
        XCTAssertEqual(sidecar["note"] as? String, "[not json")
        let summary = try JSONSerialization.jsonObject(with: Data(export.json.utf8)) as! [String: Any]
        XCTAssertEqual(summary["metadata"] as? String, path("model.json"))
        XCTAssertEqual(summary["format"] as? String, "pytorch")

        // Back to safetensors: the metadata rides in the header, no JSON file.
        let back = try exportWeights(from: path("model.pth"), to: path("again.safetensors"))
        XCTAssertNil(back.metadataFile)
        assertExactlyEqual(try readWeights(path("again.safetensors")), model.stateDict())
        let kept = try exportWeights(from: source, to: path("copy.safetensors"))
        XCTAssertNil(kept.metadataFile)
        XCTAssertEqual(try SafeTensors.readMetadata(path("copy.safetensors")), metadata)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("copy.json")))
    }

    func testExportErrorsNameTheFile() throws {
        try saveWeights(try LeNet5(numClasses: 3), to: path("w.safetensors"))
        assertWeightError(try exportWeights(from: path("w.safetensors"), to: path("w.onnx")), contains: ["w.onnx", ".pth, .pt or .safetensors"])
        assertWeightError(try exportWeights(from: path("w.safetensors"), to: path("missing/w.pth")), contains: ["missing/w.pth", "cannot write"])
        assertWeightError(try exportWeights(from: path("nothing.pth"), to: path("x.pth")), contains: ["nothing.pth"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["w.safetensors"])
    }

    func testMetadataFileName() {
        XCTAssertEqual(metadataFile(for: "runs/model.pth"), "runs/model.json")
        XCTAssertEqual(metadataFile(for: "a.b/model"), "a.b/model.json")
        XCTAssertEqual(metadataFile(for: "x.y.pt"), "x.y.json")
    }
}
