import Foundation
import GraftCore
import GraftIO
import GraftNN
import XCTest

final class ModuleLoadingTests: XCTestCase {
    static var files: Result<TorchFiles, Error>!

    override class func setUp() { files = Result { try TorchFiles.make() } }
    override class func tearDown() { try? files.get().cleanUp() }

    var files: TorchFiles { get throws { try Self.files.get() } }

    /// The Graft twin of torch_files.py's nn.Sequential(Conv2d(2, 3, 3), BatchNorm2d(3), Linear(4, 5)).
    func sequential(channels: Int = 3, outFeatures: Int = 5) throws -> Sequential {
        Sequential(try Conv2d(inChannels: 2, outChannels: channels, kernelSize: 3), BatchNorm2d(channels),
                   try Linear(inFeatures: 4, outFeatures: outFeatures))
    }

    func testLoadsATorchStateDictStrictly() throws {
        let f = try files
        let model = try sequential()
        let report = try loadWeights(into: model, from: f.path("seq.pth"))
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual(report.loaded, model.stateDict().map(\.0))
        assertExactlyEqual(model.stateDict(), try f.expected("seq.pth"))
    }

    func testMissingBatchNormCountersAreSetToZero() throws {
        let f = try files
        let model = try sequential()
        (model[1] as! BatchNorm2d).numBatchesTracked.assign(Tensor(int64: [40], shape: []))
        let report = try loadWeights(into: model, from: f.path("seq_old.pth"))
        XCTAssertEqual(report.defaulted, ["1.num_batches_tracked"])
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual((model[1] as! BatchNorm2d).numBatchesTracked.int64Values, [0])
    }

    /// A file for `sequential()` with the Linear layer's bias renamed and an extra entry,
    /// loaded into a model whose BatchNorm has 4 channels.
    func mismatchedCase() throws -> (file: String, model: Sequential) {
        var entries = try sequential().stateDict().filter { $0.0 != "2.bias" }
        entries.append(("2.offset", Tensor.zeros([5])))
        entries.append(("head.weight", Tensor.zeros([1])))
        let path = try files.path("mismatch-\(UUID().uuidString).safetensors")
        try SafeTensors.write(entries, to: path)
        return (path, try sequential(channels: 4))
    }

    func testStrictLoadingNamesEveryProblemAndLoadsNothing() throws {
        let (path, model) = try mismatchedCase()
        let before = model.stateDict().map { ($0.0, $0.1.copy()) }
        do {
            try loadWeights(into: model, from: path)
            XCTFail("strict loading accepted a mismatched file")
        } catch let WeightFileError.incompatible(file, report) {
            XCTAssertEqual(file, path)
            XCTAssertEqual(report.missing, ["2.bias"])
            XCTAssertEqual(report.unexpected, ["2.offset", "head.weight"])
            XCTAssertEqual(report.mismatched.map(\.key),
                           ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"])
            XCTAssertEqual(report.mismatched.first, .init(key: "0.weight", fileShape: [3, 2, 3, 3], modelShape: [4, 2, 3, 3],
                                                          fileType: .float32, modelType: .float32))
            let message = WeightFileError.incompatible(file: file, report: report).description
            for fragment in [path, "missing keys: 2.bias", "unexpected keys: 2.offset, head.weight",
                             "shape mismatches: 0.weight (file float32 [3, 2, 3, 3], model float32 [4, 2, 3, 3])"] {
                XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)")
            }
        }
        assertExactlyEqual(model.stateDict(), before)
    }

    func testNonStrictLoadingLoadsWhatFits() throws {
        let (path, model) = try mismatchedCase()
        let file = Dictionary(uniqueKeysWithValues: try readWeights(path))
        let report = try loadWeights(into: model, from: path, strict: false)
        XCTAssertEqual(report.loaded, ["1.num_batches_tracked", "2.weight"])
        XCTAssertEqual(report.missing, ["2.bias"])
        XCTAssertEqual(report.unexpected, ["2.offset", "head.weight"])
        XCTAssertEqual(report.mismatched.count, 6)
        let loaded = Dictionary(uniqueKeysWithValues: model.stateDict())
        assertExactlyEqual(report.loaded.map { ($0, loaded[$0]!) }, report.loaded.map { ($0, file[$0]!) })
        // A type mismatch is reported like a shape mismatch.
        let typed = try files.path("typed.safetensors")
        try SafeTensors.write([("1.num_batches_tracked", Tensor.zeros([]))], to: typed)
        let typedReport = try loadWeights(into: try sequential(), from: typed, strict: false)
        XCTAssertEqual(typedReport.mismatched.map(\.description), ["1.num_batches_tracked (file float32 [1], model int64 [])"])
    }

    func testSaveThenLoadRoundTrip() throws {
        let source = try sequential()
        (source[1] as! BatchNorm2d).numBatchesTracked.assign(Tensor(int64: [3], shape: []))
        (source[1] as! BatchNorm2d).runningMean.assign(Tensor(shape: [3], data: [0.5, -1, 2]))
        let path = try files.path("saved.safetensors")
        try saveWeights(source, to: path, metadata: ["architecture": "sequential"])
        XCTAssertEqual(try SafeTensors.readMetadata(path), ["architecture": "sequential"])
        let target = try sequential()
        XCTAssertTrue(try loadWeights(into: target, from: path).isComplete)
        assertExactlyEqual(target.stateDict(), source.stateDict())
    }
}
