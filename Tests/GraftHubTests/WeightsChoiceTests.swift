import Foundation
import XCTest
import GraftHub
import GraftModels
import GraftTestSupport

/// What `--weights` and a `MODEL.SET` reference mean.
final class WeightsChoiceTests: XCTestCase {
    func testWeightsArgument() throws {
        let lite = try ModelZoo.spec("efficientnet_lite0")
        let lenet = try ModelZoo.spec("lenet5")
        let set = try XCTUnwrap(lite.defaultWeights)
        XCTAssertEqual(try WeightsChoice.parse(nil, for: lite), .pretrained(set))
        XCTAssertEqual(try WeightsChoice.parse(nil, for: lenet), WeightsChoice.none)
        XCTAssertEqual(try WeightsChoice.parse("none", for: lite), WeightsChoice.none)
        XCTAssertEqual(try WeightsChoice.parse("imagenet", for: lite), .pretrained(set))
        XCTAssertEqual(try WeightsChoice.parse("imagenet1k_v1", for: lite), .pretrained(set))
        XCTAssertEqual(try WeightsChoice.parse("run/best.safetensors", for: lite), .file("run/best.safetensors"))
        XCTAssertEqual(try WeightsChoice.parse("weights.pth", for: lenet), .file("weights.pth"))
        var text = errorText { try WeightsChoice.parse("IMAGENET1K_V9", for: lite) }
        XCTAssertTrue(text.contains("IMAGENET1K_V9") && text.contains("IMAGENET1K_V1"), text)
        text = errorText { try WeightsChoice.parse("imagenet", for: lenet) }
        XCTAssertTrue(text.contains("lenet5 has no published pretrained weights"), text)
    }

    func testSetReference() throws {
        let set = try XCTUnwrap(try ModelZoo.spec("efficientnet_lite0").defaultWeights)
        XCTAssertEqual(try WeightSetReference("efficientnet_lite0").set, set)
        XCTAssertEqual(try WeightSetReference("efficientnet_lite0.imagenet").set, set)
        let reference = try WeightSetReference("efficientnet_lite0.Imagenet1k_V1")
        XCTAssertEqual(reference.model, "efficientnet_lite0")
        XCTAssertEqual(reference.set, set)
        var text = errorText { try WeightSetReference("no_such_model.IMAGENET1K_V1") }
        XCTAssertTrue(text.contains("unknown model 'no_such_model'"), text)
        text = errorText { try WeightSetReference("efficientnet_lite0.V2") }
        XCTAssertTrue(text.contains("'V2'") && text.contains("IMAGENET1K_V1"), text)
        text = errorText { try WeightSetReference("lenet5") }
        XCTAssertTrue(text.contains("lenet5 has no published pretrained weights"), text)
    }
}
