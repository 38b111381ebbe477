import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import GraftTestSupport
import XCTest

/// The README's custom model: each name written once, its transfer facts beside it.
final class TinyNet: Module, TransferModel {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let conv2: Conv2d
    @ModuleInfo var fc: Module

    init(numClasses: Int) throws {
        conv1 = try Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, bias: false)
        bn1 = BatchNorm2d(8)
        conv2 = try Conv2d(inChannels: 8, outChannels: 16, kernelSize: 3, stride: 2, padding: 1)
        fc = try Linear(inFeatures: 16, outFeatures: numClasses)
        super.init()
    }

    func forwardFeatures(_ x: Tensor) throws -> Tensor {
        let h = try relu(conv2(relu(bn1(conv1(x)))))
        return try adaptiveAvgPool2d(h, outputSize: (1, 1)).flattened()
    }

    override func forward(_ x: Tensor) throws -> Tensor { try fc(forwardFeatures(x)) }

    var head: Module { fc }
    var stages: [Module] { [conv1, bn1, conv2, fc] }
}

/// A program's own architecture, registered in the zoo, trains through the typed options like a
/// zoo model: freezing by its stages, a new head, a checkpoint that loads back by name.
final class CustomModelTrainingTests: XCTestCase {
    func testARegisteredModelTrainsWithTheTypedOptions() throws {
        let spec = ModelSpec("tinynet_readme", preprocessing: .imageNet(resize: 40, crop: 32)) { try TinyNet(numClasses: $0) }
        try ModelZoo.register(spec)
        XCTAssertThrowsError(try ModelZoo.register(spec)) { XCTAssertTrue("\($0)".contains("already taken"), "\($0)") }
        XCTAssertThrowsError(try ModelZoo.register(ModelSpec("resnet18") { try TinyNet(numClasses: $0) }))

        let model = try spec.make(numClasses: 3)
        XCTAssertEqual(model.stateDict().map(\.0), ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                                                    "bn1.num_batches_tracked", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"])
        XCTAssertEqual(model.stagePaths, ["conv1", "bn1", "conv2", "fc"])

        let data = try makeSyntheticImageFolder(perClass: 4)
        let out = try temporaryFolder("tinynet")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        var options = TransferOptions(model: "tinynet_readme", data: data)
        options.freeze = .last(1)
        options.optimizer = .adamw
        options.classWeights = .balanced
        options.epochs = 2; options.batchSize = 4; options.workers = 1; options.valFraction = 0.25; options.out = out + "/run"
        let reporter = CollectingReporter()
        let summary = try runTransferTraining(options, reporter: reporter)
        XCTAssertEqual(reporter.epochs.count, 2)
        XCTAssertEqual(reporter.start?.trainedStages, ["conv2", "fc"])
        let best = try loadCheckpoint(summary.checkpoint)
        XCTAssertEqual(best.metadata.architecture, "tinynet_readme")
        XCTAssertTrue(best.model is TinyNet)
        XCTAssertEqual(best.model.parameter(named: "fc.weight")?.shape, [3, 16])
    }
}
