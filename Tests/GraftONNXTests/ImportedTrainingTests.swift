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
}
