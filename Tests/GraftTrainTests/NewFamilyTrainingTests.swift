import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// The families added with the model facts (MobileNet-v3, ShuffleNet-v2, EfficientNet-B0 … B3,
/// RegNetY-400MF) train end to end from a pretrained file with `freeze last:2`, one epoch on a
/// tiny image folder at 32×32, and write a checkpoint that loads back: the frozen stages keep
/// the pretrained values, the two trained stages move. (ConvNeXt-T has its own test.)
final class NewFamilyTrainingTests: XCTestCase {
    func testEachNewFamilyTrainsItsLastTwoStagesAndItsCheckpointLoadsBack() throws {
        let data = try makeSyntheticImageFolder(perClass: 4)
        defer { try? FileManager.default.removeItem(atPath: data) }
        for name in ["mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v2_x1_0",
                     "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "regnet_y_400mf"] {
            let out = try temporaryFolder(name)
            defer { try? FileManager.default.removeItem(atPath: out) }
            GlobalRandom.seed(5)
            let pretrained = try ModelZoo.spec(name).make(numClasses: 1000)
            try saveWeights(pretrained, to: out + "/pretrained.safetensors")
            var o = TransferOptions(model: name, data: data)
            o.weights = out + "/pretrained.safetensors"; o.freeze = .last(2); o.out = out + "/run"
            o.epochs = 1; o.batchSize = 4; o.imageSize = 32; o.workers = 2; o.valFraction = 0.25
            o.optimizer = .sgd; o.learningRate = 0.05
            let reporter = CollectingReporter()
            let summary = try runTransferTraining(o, reporter: reporter)
            XCTAssertEqual(reporter.epochs.count, 1, name)
            XCTAssertTrue(reporter.epochs[0].trainLoss.isFinite, name)

            let checkpoint = try loadCheckpoint(summary.checkpoint)
            XCTAssertEqual(checkpoint.metadata.architecture, name)
            XCTAssertEqual(checkpoint.metadata.classNames, ["blue-plain", "green-columns", "red-rows"])
            let model = try XCTUnwrap(checkpoint.model as? any TransferModel, name)
            let trunk = model.trunkStagePaths
            let trained = Set(trunk.suffix(2) + [model.headPath])
            let before = Dictionary(uniqueKeysWithValues: pretrained.namedParameters())
            var moved = Set<String>()
            for (key, value) in model.namedParameters() where !key.hasPrefix(model.headPath + ".") {
                let stage = try XCTUnwrap(trunk.first { key.hasPrefix($0 + ".") }, "\(name): \(key)")
                let old = try XCTUnwrap(before[key], "\(name): \(key)")
                let unchanged = value.toArray() == old.toArray()
                if trained.contains(stage) {
                    if !unchanged { moved.insert(stage) }
                } else {
                    XCTAssertTrue(unchanged, "\(name): frozen \(key) changed")
                }
            }
            XCTAssertEqual(moved, Set(trunk.suffix(2)), name)
            let x = Tensor(shape: [2, 3, 32, 32], data: (0..<6144).map { Float($0 % 13) / 6 - 1 })
            XCTAssertEqual(try GradMode.withoutGradients { try checkpoint.model(x) }.shape, [2, 3], name)
        }
    }
}
