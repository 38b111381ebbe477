import GraftCore
import GraftNN
import XCTest
@testable import GraftModels

/// MobileNet-v3 (Large, Small) and ShuffleNet-v2 1×: parity with torchvision 0.14 (see
/// `ZooParity.check`), the transfer facts they declare, and the features-then-head split.
final class MobileNetV3ShuffleNetV2Tests: XCTestCase {
    func testMobileNetV3sMatchTorchvision() throws {
        try ZooParity.check("mobilenet_v3_large")
        try ZooParity.check("mobilenet_v3_small")
    }

    func testShuffleNetV2MatchesTorchvision() throws {
        try ZooParity.check("shufflenet_v2_x1_0")
    }

    func testHeadsAndStages() throws {
        func facts(_ name: String) throws -> (head: String, auxiliary: [String], stages: [String]) {
            let model = try Init.withoutInitialisation { try ModelZoo.spec(name).make(numClasses: 3) }
            return (model.headPath, model.auxiliaryHeadPaths, model.stagePaths)
        }
        let large = try facts("mobilenet_v3_large")
        XCTAssertEqual(large.head, "classifier.3")
        XCTAssertEqual(large.stages, (0...16).map { "features.\($0)" } + ["classifier.0", "classifier.3"])
        XCTAssertTrue(large.auxiliary.isEmpty)
        let small = try facts("mobilenet_v3_small")
        XCTAssertEqual(small.head, "classifier.3")
        XCTAssertEqual(small.stages, (0...12).map { "features.\($0)" } + ["classifier.0", "classifier.3"])
        let shuffle = try facts("shufflenet_v2_x1_0")
        XCTAssertEqual(shuffle.head, "fc")
        XCTAssertEqual(shuffle.stages, ["conv1", "stage2", "stage3", "stage4", "conv5", "fc"])
        XCTAssertTrue(shuffle.auxiliary.isEmpty)
    }

    /// The preprocessing of each default weight set: MobileNet-v3 Large's `IMAGENET1K_V2` resizes
    /// to 232, the others' `IMAGENET1K_V1` to 256.
    func testPreprocessingIsTorchvisionsForTheDefaultWeights() throws {
        for (name, resize) in [("mobilenet_v3_large", 232), ("mobilenet_v3_small", 256), ("shufflenet_v2_x1_0", 256)] {
            let p = try ModelZoo.spec(name).preprocessing
            XCTAssertEqual([p.resizeShorter, p.inputSize], [resize, 224], name)
            XCTAssertEqual(p.mean, [0.485, 0.456, 0.406], name)
            XCTAssertEqual(try ModelZoo.spec(name).defaultNumClasses, 1000, name)
        }
    }

    /// `forwardHead(forwardFeatures(x))` is `forward(x)`, the features have the head's input
    /// width, and computing them leaves the model as it was.
    func testFeaturesThenHeadIsTheForwardPass() throws {
        for (name, width) in [("mobilenet_v3_large", 1280), ("mobilenet_v3_small", 1024), ("shufflenet_v2_x1_0", 1024)] {
            let model = try ModelZoo.spec(name).make(numClasses: 3)
            model.eval()
            let shape = [2, 3, 64, 64]
            let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919) % 101) / 50 - 1 })
            let keys = model.stateDict().map(\.0)
            let features = try GradMode.withoutGradients { try model.forwardFeatures(x) }
            XCTAssertEqual(features.shape, [2, width], name)
            XCTAssertEqual(model.stateDict().map(\.0), keys, name)
            let viaHead = try GradMode.withoutGradients { try model.forwardHead(features) }
            let whole = try GradMode.withoutGradients { try model(x) }
            XCTAssertEqual(viaHead.toArray(), whole.toArray(), name)
        }
    }

    /// A stride-1 ShuffleNet unit passes the first half of its channels unchanged, to the even
    /// output channels after the shuffle; gradients reach the input and every parameter.
    func testShuffleUnitKeepsHalfItsInputAndTrains() throws {
        let unit = try ShuffleNetV2Block(inChannels: 8, outChannels: 8, stride: 1)
        XCTAssertTrue(unit.branch1.layers.isEmpty)
        let x = Tensor(shape: [2, 8, 3, 3], data: (0..<144).map { Float(($0 * 37) % 23) / 11 - 1 })
        x.requiresGrad = true
        let y = try unit(x)
        XCTAssertEqual(y.shape, [2, 8, 3, 3])
        let (xs, ys) = (x.toArray(), y.toArray())
        for n in 0..<2 {
            for c in 0..<4 {
                XCTAssertEqual(Array(ys[(n * 8 + 2 * c) * 9 ..< (n * 8 + 2 * c + 1) * 9]),
                               Array(xs[(n * 8 + c) * 9 ..< (n * 8 + c + 1) * 9]), "sample \(n), channel \(c)")
            }
        }
        try sum(y).backward()
        XCTAssertNotNil(x.grad)
        XCTAssertTrue(unit.parameters().allSatisfy { $0.grad != nil })
        XCTAssertThrowsError(try ShuffleNetV2Block(inChannels: 8, outChannels: 16, stride: 1))
    }
}
