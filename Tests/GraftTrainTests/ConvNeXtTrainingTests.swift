import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// ConvNeXt-T through the training entry point, as `graft train --model convnext_tiny
/// --weights … --freeze last:2` runs it, on a tiny ImageFolder at 32×32.
final class ConvNeXtTrainingTests: XCTestCase {
    func testConvNeXtTinyTrainsItsLastTwoStagesAndItsCheckpointLoadsBack() throws {
        let data = try makeSyntheticImageFolder(perClass: 4)
        let out = try temporaryFolder("convnext")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        GlobalRandom.seed(11)
        let pretrained = try ModelZoo.spec("convnext_tiny").make(numClasses: 1000)
        try saveWeights(pretrained, to: out + "/pretrained.safetensors")
        var o = TransferOptions(model: "convnext_tiny", data: data)
        o.weights = out + "/pretrained.safetensors"; o.freeze = .last(2); o.out = out + "/run"
        o.epochs = 1; o.batchSize = 4; o.imageSize = 32; o.workers = 2; o.valFraction = 0.25
        let reporter = CollectingReporter()
        let summary = try runTransferTraining(o, reporter: reporter)
        XCTAssertEqual(reporter.epochs.count, 1)

        let checkpoint = try loadCheckpoint(summary.checkpoint)
        XCTAssertEqual(checkpoint.metadata.architecture, "convnext_tiny")
        XCTAssertEqual(checkpoint.metadata.classNames, ["blue-plain", "green-columns", "red-rows"])
        let saved = Dictionary(uniqueKeysWithValues: try readWeights(summary.checkpoint).map { ($0.0, $0.1) })
        let before = Dictionary(uniqueKeysWithValues: pretrained.stateDict().map { ($0.0, $0.1) })
        var trainedKeys: [String] = []
        for (key, tensor) in checkpoint.model.stateDict() {
            let written = try XCTUnwrap(saved[key], key)
            XCTAssertEqual(tensor.toArray(), written.toArray(), key)
            if key.hasPrefix("classifier.2.") { continue }
            let old = try XCTUnwrap(before[key], key)
            if tensor.toArray() != old.toArray() { trainedKeys.append(key) }
        }
        // The last two stages below the head train (the last three blocks and the classifier's
        // LayerNorm); the rest of the trunk keeps its pretrained weights.
        XCTAssertEqual(Set(trainedKeys.map { $0.hasPrefix("features.7.") ? "features.7" : $0 }),
                       ["features.7", "classifier.0.weight", "classifier.0.bias"])
        XCTAssertEqual(checkpoint.model.stateDict().first { $0.0 == "classifier.2.weight" }?.1.shape, [3, 768])
    }
}
