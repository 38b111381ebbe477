import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// EfficientNet-B0 … B3 and RegNetY-400MF train end to end with `freeze last:2` (their last
/// two trunk stages and the head) from a pretrained file, on a tiny image folder, and write a
/// checkpoint that loads back with the frozen stages as they were and the trained ones moved.
final class NewFamilyTrainingTests: XCTestCase {
    func testEachNewFamilyTrainsItsLastTwoStagesAndItsCheckpointLoadsBack() throws {
        let data = try makeSyntheticImageFolder(perClass: 6)
        defer { try? FileManager.default.removeItem(atPath: data) }
        for name in ["efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "regnet_y_400mf"] {
            let out = try temporaryFolder("train-\(name)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            GlobalRandom.seed(5)
            let pretrained = try ModelZoo.spec(name).make(numClasses: 1000)
            try saveWeights(pretrained, to: out + "/pretrained.safetensors")
            var o = TransferOptions(model: name, data: data)
            o.weights = out + "/pretrained.safetensors"; o.freeze = .last(2); o.out = out + "/run"
            o.epochs = 1; o.batchSize = 4; o.imageSize = 32; o.workers = 2; o.valFraction = 1.0 / 3
            let summary = try runTransferTraining(o, reporter: CollectingReporter())

            let loaded = try loadCheckpoint(summary.checkpoint)
            XCTAssertEqual(loaded.metadata.architecture, name)
            XCTAssertEqual(loaded.metadata.classNames, ["blue-plain", "green-columns", "red-rows"], name)
            let model = try XCTUnwrap(loaded.model as? any TransferModel, name)
            let trained = model.trunkStagePaths.suffix(2)
            let before = Dictionary(uniqueKeysWithValues: pretrained.namedParameters())
            var moved = 0
            for (key, tensor) in model.namedParameters() where !key.hasPrefix(model.headPath + ".") {
                let old = try XCTUnwrap(before[key], "\(name): \(key)")
                if trained.contains(where: { key.hasPrefix($0 + ".") }) {
                    if tensor.toArray() != old.toArray() { moved += 1 }
                } else {
                    XCTAssertTrue(tensor.toArray() == old.toArray(), "\(name): frozen \(key) changed")
                }
            }
            XCTAssertGreaterThan(moved, 0, "\(name): the last two trunk stages train")
            let logits = try GradMode.withoutGradients { try loaded.model(Tensor(repeating: 0.1, shape: [1, 3, 32, 32])) }
            XCTAssertEqual(logits.shape, [1, 3], name)
        }
    }
}
