import GraftCore
import GraftModels
@testable import GraftNN
import XCTest

final class ModelSummaryTests: XCTestCase {
    func testLeNetSummaryHasEveryLayerWithShapesParametersAndFLOPs() throws {
        let model = try LeNet5()
        let rows = try summarize(model, inputShape: [1, 32, 32])
        XCTAssertEqual(rows.map(\.name), ["conv1", "conv2", "fc1", "fc2", "fc3"])
        XCTAssertEqual(rows.map(\.outputShape), [[6, 28, 28], [16, 10, 10], [120], [84], [10]])
        XCTAssertEqual(rows.map(\.parameters), [156, 2416, 48120, 10164, 850])
        XCTAssertEqual(rows.reduce(0) { $0 + $1.parameters }, model.parameterCount)
        XCTAssertEqual(rows[0].flops, 6 * 28 * 28 * (2 * 25 + 1))
        XCTAssertEqual(rows[2].flops, 2 * 400 * 120 + 120)
        XCTAssertTrue(model.training, "the model's mode is restored")
    }

    func testSequentialLayersAreNamedByIndex() throws {
        let model = try Sequential([Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 1),
                                    BatchNorm2d(8), ReLU(), MaxPool2d(kernelSize: 2), Flatten(), Linear(inFeatures: 8 * 4 * 4, outFeatures: 2)])
        let rows = try summarize(model, inputShape: [3, 16, 16])
        XCTAssertEqual(rows.map(\.name), ["0", "1", "2", "3", "4", "5"])
        XCTAssertEqual(rows.map(\.type), ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Linear"])
        XCTAssertEqual(rows[3].outputShape, [8, 4, 4])
        XCTAssertEqual(rows[0].flops, 8 * 8 * 8 * (2 * 27 + 1))
    }

    func testLayersCountTheFLOPsOfTheOpsTheyRun() throws {
        let se = try SqueezeExcitation(inputChannels: 8, squeezeChannels: 2, activation: SiLU(), scaleActivation: Hardsigmoid())
        let model = try Sequential([Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1), LayerNorm2d(8), GELU(), se,
                                    StochasticDepth(p: 0.5)])
        let rows = try summarize(model, inputShape: [3, 4, 4])
        XCTAssertEqual(rows.map(\.name), ["0", "1", "2", "3.avgpool", "3.fc1", "3.activation", "3.fc2", "3.scale_activation", "4"])
        XCTAssertEqual(rows.map(\.type), ["Conv2d", "LayerNorm2d", "GELU", "AdaptiveAvgPool2d", "Conv2d", "SiLU", "Conv2d",
                                           "Hardsigmoid", "StochasticDepth"])
        let pixels = 8 * 16
        XCTAssertEqual(rows.map(\.flops), [pixels * (2 * 27 + 1), 8 * pixels, pixels, pixels, 2 * (2 * 8 + 1), 2, 8 * (2 * 2 + 1),
                                            2 * 8, 0])
    }
}
