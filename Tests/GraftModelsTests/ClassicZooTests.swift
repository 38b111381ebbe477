import GraftCore
@testable import GraftModels
import GraftNN
import XCTest

/// The classic specs' names and preprocessing, and the errors of impossible configurations.
final class ClassicZooTests: XCTestCase {
    func testNamesAndPreprocessing() {
        let classic = Array(ModelZoo.specs[1...20])
        XCTAssertEqual(classic.map(\.name), [
            "alexnet", "alexnet_lrn", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
            "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
            "squeezenet1_0", "squeezenet1_1", "mobilenet_v2",
        ])
        // The models whose default weights are torchvision's IMAGENET1K_V2 resize to 232.
        let resize232: Set = ["resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2", "mobilenet_v2"]
        for spec in classic {
            XCTAssertEqual(spec.preprocessing, .imageNet(resize: resize232.contains(spec.name) ? 232 : 256), spec.name)
            XCTAssertEqual(spec.inputShape, [3, 224, 224], spec.name)
            XCTAssertTrue(try Init.withoutInitialisation { try spec.make(numClasses: 2) }.auxiliaryHeads.isEmpty, spec.name)
        }
    }

    func testImpossibleConfigurationsThrow() {
        func assertInvalid(_ what: String, _ body: () throws -> Module) {
            XCTAssertThrowsError(try body(), what) { error in
                guard case GraftError.invalidArgument = error else { return XCTFail("\(what): \(error)") }
            }
        }
        assertInvalid("VGG-12") { try VGG(depth: 12) }
        assertInvalid("three ResNet layers") { try ResNet(block: .bottleneck, layers: [3, 4, 6]) }
        assertInvalid("an empty ResNet layer") { try ResNet(block: .basic, layers: [2, 0, 2, 2]) }
        assertInvalid("grouped basic blocks") { try ResNet(block: .basic, layers: [2, 2, 2, 2], groups: 32, widthPerGroup: 4) }
        assertInvalid("stride 3") { try InvertedResidual(inChannels: 16, outChannels: 16, stride: 3, expandRatio: 6) }
        assertInvalid("no classes") { try MobileNetV2(numClasses: 0) }
    }
}
