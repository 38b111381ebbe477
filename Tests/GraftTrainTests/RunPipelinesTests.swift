import GraftCore
import GraftData
import GraftModels
@testable import GraftTrain
import XCTest

final class RunPipelinesTests: XCTestCase {
    /// The evaluation transform resizes with the model's interpolation, scaled to the run's size,
    /// and the checkpoint records it.
    func testEvaluationResizesWithTheModelsInterpolation() throws {
        let b0 = try RunPipelines(preprocessing: ModelZoo.spec("efficientnet_b0").preprocessing, size: 112, augment: nil)
        XCTAssertEqual(b0.preprocessing, .imageNet(resize: 128, crop: 112, interpolation: .bicubic))
        XCTAssertEqual(b0.evaluation.imageTransforms.first as? Resize, try Resize(shorterSide: 128, interpolation: .bicubic))
        XCTAssertEqual(b0.evaluation.spec, "resize(128, interpolation=bicubic), center-crop(112), normalize")
        let resnet = try RunPipelines(preprocessing: ModelZoo.spec("resnet50").preprocessing, size: 224, augment: nil)
        XCTAssertEqual(resnet.evaluation.imageTransforms.first as? Resize, try Resize(shorterSide: 232))
        XCTAssertEqual(resnet.preprocessing.interpolation, .bilinear)
    }
}
