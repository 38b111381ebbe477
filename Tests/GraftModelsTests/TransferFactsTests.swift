import GraftCore
import GraftNN
import XCTest
@testable import GraftModels

/// The facts each model declares about itself give the dotted paths that the zoo listed as
/// strings before the models owned them: the head, the auxiliary heads, and the stages.
final class TransferFactsTests: XCTestCase {
    private func facts(_ name: String) throws -> (head: String, auxiliary: [String], stages: [String], weight: Float) {
        let model = try Init.withoutInitialisation { try ModelZoo.spec(name).make(numClasses: 3) }
        return (model.headPath, model.auxiliaryHeadPaths, model.stagePaths, model.auxiliaryLossWeight)
    }

    func testClassicFamilies() throws {
        XCTAssertEqual(try facts("lenet5").stages, ["conv1", "conv2", "fc1", "fc2", "fc3"])
        XCTAssertEqual(try facts("alexnet").stages, ["features.0", "features.3", "features.6", "features.8", "features.10",
                                                     "classifier.1", "classifier.4", "classifier.6"])
        XCTAssertEqual(try facts("alexnet_lrn").stages, ["features.0", "features.4", "features.8", "features.10", "features.12",
                                                         "classifier.0", "classifier.3", "classifier.6"])
        XCTAssertEqual(try facts("vgg11").stages, ["features.0", "features.3", "features.6", "features.8", "features.11",
                                                   "features.13", "features.16", "features.18",
                                                   "classifier.0", "classifier.3", "classifier.6"])
        XCTAssertEqual(try facts("vgg11_bn").stages.prefix(4), ["features.0", "features.1", "features.4", "features.5"])
        XCTAssertEqual(try facts("vgg19_bn").stages.count, 16 * 2 + 3)
        for name in ["resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2"] {
            XCTAssertEqual(try facts(name).stages, ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"], name)
            XCTAssertEqual(try facts(name).head, "fc", name)
        }
        XCTAssertEqual(try facts("squeezenet1_0").stages, [0, 3, 4, 5, 7, 8, 9, 10, 12].map { "features.\($0)" } + ["classifier.1"])
        XCTAssertEqual(try facts("squeezenet1_1").stages, [0, 3, 4, 6, 7, 9, 10, 11, 12].map { "features.\($0)" } + ["classifier.1"])
        XCTAssertEqual(try facts("mobilenet_v2").stages, (0...18).map { "features.\($0)" } + ["classifier.1"])
        for name in ["alexnet", "vgg16", "vgg16_bn"] { XCTAssertEqual(try facts(name).head, "classifier.6", name) }
        for name in ["squeezenet1_1", "mobilenet_v2"] { XCTAssertEqual(try facts(name).head, "classifier.1", name) }
        XCTAssertEqual(try facts("lenet5").head, "fc3")
    }

    func testInceptionFamilies() throws {
        let googlenet = try facts("googlenet")
        XCTAssertEqual(googlenet.head, "fc")
        XCTAssertEqual(googlenet.auxiliary, ["aux1", "aux2"])
        XCTAssertEqual(googlenet.weight, 0.3)
        XCTAssertEqual(googlenet.stages, ["conv1", "conv2", "conv3", "inception3a", "inception3b", "inception4a", "inception4b",
                                          "inception4c", "inception4d", "inception4e", "inception5a", "inception5b", "fc"])
        let inception = try facts("inception_v3")
        XCTAssertEqual(inception.auxiliary, ["AuxLogits"])
        XCTAssertEqual(inception.weight, 0.4)
        XCTAssertEqual(inception.stages, ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
                                          "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                                          "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "fc"])
        let lite = try facts("efficientnet_lite0")
        XCTAssertEqual(lite.head, "_fc")
        XCTAssertEqual(lite.stages, ["_conv_stem", "_bn0"] + (0..<16).map { "_blocks.\($0)" } + ["_conv_head", "_bn1", "_fc"])
        XCTAssertTrue(lite.auxiliary.isEmpty)
        XCTAssertEqual(lite.weight, 0)
    }

    func testEfficientNetAndRegNetFamilies() throws {
        for name in ["efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3"] {
            let efficientNet = try facts(name)
            XCTAssertEqual(efficientNet.head, "classifier.1", name)
            XCTAssertEqual(efficientNet.stages, (0...8).map { "features.\($0)" } + ["classifier.1"], name)
            XCTAssertTrue(efficientNet.auxiliary.isEmpty, name)
        }
        let regNet = try facts("regnet_y_400mf")
        XCTAssertEqual(regNet.head, "fc")
        XCTAssertEqual(regNet.stages, ["stem"] + (1...4).map { "trunk_output.block\($0)" } + ["fc"])
        XCTAssertTrue(regNet.auxiliary.isEmpty)
        XCTAssertEqual(try ModelZoo.spec("efficientnet_b3").preprocessing, .imageNet(resize: 320, crop: 300, interpolation: .bicubic))
        XCTAssertEqual(try ModelZoo.spec("regnet_y_400mf").preprocessing, .imageNet(resize: 232, crop: 224))
        for name in ["efficientnet_b0", "regnet_y_400mf"] {
            let model = try ModelZoo.spec(name).make(numClasses: 3)
            model.eval()
            let x = Tensor(shape: [2, 3, 64, 64], data: (0..<(2 * 3 * 64 * 64)).map { Float(($0 * 7919) % 101) / 50 - 1 })
            let features = try GradMode.withoutGradients { try model.forwardFeatures(x) }
            let viaHead = try GradMode.withoutGradients { try model.forwardHead(features) }
            XCTAssertEqual(viaHead.toArray(), try GradMode.withoutGradients { try model(x) }.toArray(), name)
        }
    }

    /// `forwardHead(forwardFeatures(x))` is `forward(x)` for every family, and computing the
    /// features leaves the model as it was.
    func testFeaturesThenHeadIsTheForwardPass() throws {
        for name in ["lenet5", "alexnet", "resnet18", "squeezenet1_1", "mobilenet_v2", "googlenet", "efficientnet_lite0"] {
            let spec = try ModelZoo.spec(name)
            let model = try spec.make(numClasses: 3)
            model.eval()
            let side = name == "lenet5" ? 32 : 64
            let shape = [2, spec.preprocessing.channels, side, side]
            let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919) % 101) / 50 - 1 })
            let keys = model.stateDict().map(\.0)
            let features = try GradMode.withoutGradients { try model.forwardFeatures(x) }
            XCTAssertEqual(model.stateDict().map(\.0), keys, name)
            let viaHead = try GradMode.withoutGradients { try model.forwardHead(features) }
            let whole = try GradMode.withoutGradients { try model(x) }
            XCTAssertEqual(viaHead.toArray(), whole.toArray(), name)
        }
    }
}
