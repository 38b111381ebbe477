import Foundation
import GraftCore
import GraftHub
import GraftIO
import GraftModels
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// A run without `weights` starts from its family's default published set: fetched through the
/// weight store (here from a cache folder of the test's own, offline), named in the run's first
/// line, its preprocessing the run's, and recorded in the checkpoints.
final class PretrainedSetTrainingTests: XCTestCase {
    /// LeNet-5 with one published set whose preprocessing differs from the architecture's.
    static let spec: ModelSpec = {
        let weights = folder + "/lenet5-toy.safetensors"
        GlobalRandom.seed(5)
        // The set's file: a LeNet-5 with fixed weights, written once for the whole class.
        try? saveWeights(try LeNet5(numClasses: 10), to: weights)
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: weights))) ?? Data()
        let set = WeightSet(name: "TOY_V1", source: .urls(["http://127.0.0.1:9/lenet5-toy.safetensors"]), bytes: bytes.count,
                            sizeIsExact: true, sha256: sha256Hex(bytes), licence: "CC0-1.0", top1: 12.5, top5: nil,
                            classNames: (0..<10).map { "digit \($0)" },
                            preprocessing: Preprocessing(channels: 1, inputSize: 32, resizeShorter: 36, interpolation: .bicubic,
                                                          mean: [0.5], std: [0.25]))
        return ModelSpec("lenet5_toy_weights", preprocessing: .init(channels: 1, inputSize: 32, resizeShorter: 32, mean: [0.2860], std: [0.3530]),
                         defaultNumClasses: 10, weights: [set]) { try LeNet5(numClasses: $0) }
    }()
    static let folder: String = (try? temporaryFolder("pretrained-set")) ?? NSTemporaryDirectory()

    override class func setUp() {
        super.setUp()
        try? ModelZoo.register(spec)
    }
    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    /// A store whose cache holds the set's file, offline.
    private func store() throws -> WeightStore {
        let cache = try temporaryFolder("pretrained-set-cache")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: cache) }
        try FileManager.default.copyItem(atPath: Self.folder + "/lenet5-toy.safetensors", toPath: cache + "/lenet5-toy.safetensors")
        return WeightStore(settings: WeightStoreSettings(cacheDirectory: cache, offline: true))
    }

    private func options(_ data: String, out: String) -> TransferOptions {
        var o = TransferOptions(model: Self.spec.name, data: data)
        o.out = out; o.epochs = 1; o.batchSize = 4; o.workers = 1; o.valFraction = 0.25; o.imageSize = 32
        return o
    }

    func testTheDefaultSetIsFetchedNamedAndItsPreprocessingIsTheRuns() throws {
        let data = try makeSyntheticImageFolder(perClass: 4)
        let out = try temporaryFolder("pretrained-set-run")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        var o = options(data, out: out + "/run")
        o.cacheDirectory = out + "/features"
        XCTAssertTrue(o.startsPretrained)
        XCTAssertEqual(o.freezePolicy, .head)
        let reporter = CollectingReporter()
        let store = try store()
        _ = try runTransferTraining(o, reporter: reporter, store: store)
        let set = try XCTUnwrap(Self.spec.defaultWeights)
        XCTAssertEqual(reporter.start?.weights, "pretrained (10 classes) (TOY_V1, http://127.0.0.1:9/lenet5-toy.safetensors, CC0-1.0)")
        XCTAssertEqual(reporter.start?.freeze, "head")
        let metadata = try readCheckpointMetadata(out + "/run/best.safetensors")
        XCTAssertEqual(metadata.weights, "lenet5_toy_weights.TOY_V1 sha256:\(set.sha256)")
        // The set's mean, std, interpolation and resize ratio (36 for 32), not the architecture's.
        XCTAssertEqual(metadata.preprocessing.interpolation, .bicubic)
        XCTAssertEqual(metadata.preprocessing.mean, [0.5])
        XCTAssertEqual(metadata.preprocessing.std, [0.25])
        XCTAssertEqual(metadata.preprocessing.resizeShorter, 36)
        let report = try String(contentsOfFile: out + "/run/report.html", encoding: .utf8)
        XCTAssertTrue(report.contains("sha256:\(set.sha256)"), "the report records the weights")
    }

    func testNoneTrainsFromScratchAndSaysSo() throws {
        let data = try makeSyntheticImageFolder(perClass: 4)
        let out = try temporaryFolder("pretrained-set-none")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        var o = options(data, out: out + "/run")
        o.weights = "none"
        XCTAssertFalse(o.startsPretrained)
        let reporter = CollectingReporter()
        // A store that cannot be made: random initialisation never asks for one.
        _ = try runTransferTraining(o, reporter: reporter, store: try unavailableStore())
        XCTAssertEqual(reporter.start?.weights, "from scratch (random initialisation)")
        XCTAssertEqual(reporter.start?.freeze, "none")
        let metadata = try readCheckpointMetadata(out + "/run/best.safetensors")
        XCTAssertEqual(metadata.weights, "none")
        XCTAssertEqual(metadata.preprocessing.mean, [0.2860])
        XCTAssertEqual(metadata.preprocessing.interpolation, .bilinear)
    }

    func testAFamilyWithoutPublishedWeightsSaysItTrainsFromScratch() throws {
        let weights = try ChosenWeights.resolve(nil, for: try ModelZoo.spec("lenet5"), store: try unavailableStore())
        XCTAssertEqual(weights.origin, .random(asked: false))
        XCTAssertEqual(weights.summary, "from scratch (random initialisation: lenet5 has no published pretrained weights)")
        XCTAssertFalse(TransferOptions(model: "lenet5", data: "/d").startsPretrained)
    }

    func testAnUnknownSetNameListsTheSetsAndAMissingFileIsNamed() throws {
        var o = TransferOptions(model: Self.spec.name, data: NSTemporaryDirectory())
        o.weights = "TOY_V9"
        XCTAssertThrowsError(try o.validate()) { error in
            XCTAssertEqual((error as? TrainingOptionError)?.option, .weights)
            XCTAssertTrue("\(error)".contains("TOY_V9") && "\(error)".contains("TOY_V1"), "\(error)")
        }
        o.weights = "/nonexistent/toy.pth"
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".contains("'/nonexistent/toy.pth': no such file"), "\($0)") }
    }
}

/// A weight store that cannot be made: what never asks for one runs without it.
func unavailableStore() throws -> WeightStore { throw CancellationError() }

/// The SHA-256 of `data` in lowercase hex, by the system's `sha256sum`.
private func sha256Hex(_ data: Data) -> String {
    let file = NSTemporaryDirectory() + "graft-sha-\(UUID())"
    _ = FileManager.default.createFile(atPath: file, contents: data)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [file]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
