import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

/// int8 beyond the executor: the activation ranges in a checkpoint, and the refusal on a CPU
/// without VNNI.
final class Int8Tests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "graft-int8-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private let head = HeadConfig(classes: 3)

    /// LeNet-5 with ranges calibrated on a seeded batch, and its checkpoint metadata carrying them.
    private func calibrated() throws -> (Module, ActivationRanges, CheckpointMetadata) {
        GlobalRandom.seed(3)
        let spec = try ModelZoo.spec("lenet5")
        let model = try spec.make(head: head)
        model.eval()
        var generator = RandomGenerator(seed: 5)
        let x = Tensor(shape: [4] + spec.inputShape, data: (0..<4 * spec.inputShape.reduce(1, *)).map { _ in generator.nextNormal() })
        let ranges = try CompiledInference(model).calibrate([x])
        var metadata = CheckpointMetadata(architecture: "lenet5", head: head, classNames: ["a", "b", "c"], preprocessing: spec.preprocessing)
        metadata.activationRanges = checkpointActivationRanges(ranges)
        return (model, ranges, metadata)
    }

    func testActivationRangesRoundTripThroughACheckpoint() throws {
        let (model, ranges, metadata) = try calibrated()
        XCTAssertFalse(ranges.ranges.isEmpty)
        let path = directory + "/best.safetensors"
        try saveCheckpoint(model, metadata: metadata, to: path)
        XCTAssertEqual(try loadCheckpoint(path).activationRanges, ranges)
        var none = metadata
        none.activationRanges = nil
        try saveCheckpoint(model, metadata: none, to: path)
        XCTAssertNil(try loadCheckpoint(path).activationRanges)
    }

    /// Each corrupt entry is refused, naming its key.
    func testACorruptRangeIsNamed() throws {
        let (model, ranges, metadata) = try calibrated()
        let path = directory + "/bad.safetensors"
        let key = try XCTUnwrap(ranges.ranges.keys.sorted().first)
        let cases: [(String, [Float], String)] = [
            (key, [1], "must be [min, max] or [min, max, mean square, samples], not 1 numbers"),
            (key, [0, 1, -1, 5], "must have a mean square not below 0 and a whole number of samples from 1 to 2^53, not [0.0, 1.0, -1.0, 5.0]"),
            (key, [0, 1, 0.5, 2.5], "must have a mean square not below 0 and a whole number of samples from 1 to 2^53, not [0.0, 1.0, 0.5, 2.5]"),
            (key, [2, 1], "must be two finite numbers, min first, not [2.0, 1.0]"),
            (key, [0, .nan], "must be two finite numbers, min first, not [0.0, nan]"),
            ("conv9.weight.output", [0, 1], "names no parameter of the model followed by .input or .output"),
            ("conv1.weight.middle", [0, 1], "names no parameter of the model followed by .input or .output"),
        ]
        for (name, value, problem) in cases {
            var bad = metadata
            bad.activationRanges?[name] = value
            try saveWeights(model, to: path, metadata: [CheckpointMetadata.key: try MetadataJSON.encode(bad)])
            XCTAssertThrowsError(try loadCheckpoint(path)) { error in
                XCTAssertEqual("\(error)", "\(path): bad metadata: 'activationRanges.\(name)' \(problem)")
            }
            XCTAssertThrowsError(try saveCheckpoint(model, metadata: bad, to: path), "saving checks them too")
        }
        var wrongType = try MetadataJSON.encode(metadata)
        wrongType = wrongType.replacingOccurrences(of: "\"\(key)\":[", with: "\"\(key)\":[\"x\",")
        try saveWeights(model, to: path, metadata: [CheckpointMetadata.key: wrongType])
        XCTAssertThrowsError(try loadCheckpoint(path)) { error in
            XCTAssertTrue("\(error)".contains("activationRanges.\(key)"), "\(error)")
        }
    }

    /// With oneDNN held below VNNI (it reads ONEDNN_MAX_CPU_ISA or DNNL_MAX_CPU_ISA at first
    /// use), `--precision int8` is refused naming the flag and the alternatives; without, the
    /// same command runs.
    func testInt8IsRefusedWithoutVNNI() throws {
        try XCTSkipUnless(Engine.shared.supportsInt8, "this CPU has no VNNI: the refusal is all there is")
        let command = ["inspect", "lenet5", "--graph", "--precision", "int8"]
        for variable in ["ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"] {
            let r = try runGraft(command, environment: [variable: "AVX512_CORE"])
            XCTAssertNotEqual(r.status, 0, variable)
            XCTAssertTrue(r.stderr.contains("--precision int8 needs a CPU with AVX512-VNNI or AVX-VNNI"), r.stderr)
            XCTAssertTrue(r.stderr.contains("use --precision fp32 or bf16"), r.stderr)
        }
        let r = try runGraft(command)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("int8:conv2d"), r.stdout)
        XCTAssertTrue(r.stdout.contains("u8 step="), r.stdout)
    }

    /// `train --precision int8` runs its frozen part int8 and writes the whole model's ranges
    /// into its checkpoint; `evaluate --precision int8` then uses them (calibrating nothing) and
    /// lands within a point of fp32 on the 10,000 test images.
    func testATrainedCheckpointCarriesItsRangesToEvaluate() throws {
        try XCTSkipUnless(Engine.shared.supportsInt8, "no VNNI")
        try requireFashionMNIST()
        let out = directory + "/run"
        let train = try runGraft(["train", "--model", "lenet5", "--data", fashionMNISTDirectory, "--epochs", "1", "--per-class", "100",
                                  "--val-limit", "300", "--freeze", "last:2", "--precision", "int8", "--calibration-batches", "2", "--out", out])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue((train.stdout + train.stderr).contains("calibrated on 2 batches of the training images"), train.stdout)
        let ranges = try XCTUnwrap(try loadCheckpoint(out + "/best.safetensors").activationRanges)
        XCTAssertNotNil(ranges.ranges["conv2.weight.input"], "\(ranges.ranges.keys.sorted())")
        var mistakes: [String: [Int: Int]] = [:]   // precision → the misclassified images' predicted classes, by index
        func top1(_ precision: String, _ checkpoint: String = out + "/best.safetensors") throws -> (Double, String) {
            let r = try runGraft(["evaluate", "--model", checkpoint, "--data", fashionMNISTDirectory, "--precision", precision, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let top1 = try XCTUnwrap(object["top1"] as? Double), wrong = try XCTUnwrap(object["misclassified"] as? [[String: Any]])
            XCTAssertEqual(wrong.count, Int(((1 - top1) * 10_000).rounded()))
            mistakes[precision] = Dictionary(uniqueKeysWithValues: try wrong.map {
                (try XCTUnwrap($0["index"] as? Int), try XCTUnwrap($0["predicted_class"] as? Int))
            })
            return (top1, r.stderr)
        }
        let (int8, said) = try top1("int8"), (fp32, _) = try top1("fp32")
        XCTAssertFalse(said.contains("calibrates"), said)
        XCTAssertGreaterThan(fp32, 0.3)
        XCTAssertEqual(int8, fp32, accuracy: 0.01)
        // Top-1 agreement image by image: an image either precision got wrong must have the same wrong class in the other.
        let a = mistakes["int8"] ?? [:], b = mistakes["fp32"] ?? [:]
        let disagreements = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.count
        XCTAssertLessThan(Double(disagreements) / 10_000, 0.03, "\(disagreements) of 10,000 test images change their top-1 class in int8")
        // Without ranges in the checkpoint, evaluate calibrates on the first batches of --data and says so.
        let loaded = try loadCheckpoint(out + "/best.safetensors")
        var bare = loaded.metadata
        bare.activationRanges = nil
        try saveCheckpoint(loaded.model, metadata: bare, to: directory + "/bare.safetensors")
        let (calibrated, told) = try top1("int8", directory + "/bare.safetensors")
        XCTAssertTrue(told.contains("calibrates '\(directory)/bare.safetensors' on the first 4 batches of --data"), told)
        XCTAssertEqual(calibrated, fp32, accuracy: 0.01)
    }

    /// `--calibration-batches` is bounded, and bench's training workloads refuse int8.
    func testCalibrationBatchesAreBoundedAndTrainingBenchesRefuseInt8() throws {
        for n in ["0", "257"] {
            let r = try runGraft(["bench", "--model", "lenet5", "--precision", "int8", "--calibration-batches", n])
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains("--calibration-batches must be between 1 and 256"), r.stderr)
        }
        try XCTSkipUnless(Engine.shared.supportsInt8, "no VNNI")
        defer { try? Engine.shared.setPrecision(.float32) }
        XCTAssertThrowsError(try runModelBench(model: "lenet5", workload: .trainHead, batch: 2, seconds: 0.01, precision: .int8)) { error in
            XCTAssertTrue("\(error)".contains("--precision int8 runs the infer and features workloads"), "\(error)")
        }
        let r = try runModelBench(model: "lenet5", workload: .infer, batch: 2, seconds: 0.01, precision: .int8)
        XCTAssertEqual(r.precision, .int8)
        XCTAssertTrue(r.text.contains(" int8:"), r.text)
    }
}
