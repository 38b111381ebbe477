import XCTest
import GraftNN
@testable import GraftModels

final class InceptionZooTests: XCTestCase {
    /// Every spec builds its model with the requested classes; its head, auxiliary heads and
    /// stages name modules of that model, and the stages cover every parameter outside the
    /// auxiliary heads.
    func testSpecsNameRealModules() throws {
        XCTAssertEqual(ModelZoo.inceptionSpecs.map(\.name), ["googlenet", "inception_v3", "efficientnet_lite0"])
        for spec in ModelZoo.inceptionSpecs {
            let model = try spec.make(numClasses: 5)
            let head = try XCTUnwrap(model.module(at: spec.head) as? Linear, spec.name)
            XCTAssertEqual(head.outFeatures, 5)
            for aux in spec.auxiliaryHeads { XCTAssertNotNil(model.module(at: aux), "\(spec.name): \(aux)") }
            for stage in spec.stages { XCTAssertNotNil(model.module(at: stage), "\(spec.name): \(stage)") }
            let covered = spec.stages + spec.auxiliaryHeads
            for (name, _) in model.namedParameters() {
                XCTAssertTrue(covered.contains { name.hasPrefix($0 + ".") }, "\(spec.name): \(name) is in no stage")
            }
        }
        let lite = ModelZoo.inceptionSpecs[2].preprocessing
        XCTAssertEqual(lite.mean[0] * 255, 127, accuracy: 1e-4)
        XCTAssertEqual(lite.std[0] * 255, 128, accuracy: 1e-4)
        XCTAssertEqual(ModelZoo.inceptionSpecs[1].inputShape, [3, 299, 299])
        XCTAssertEqual(ModelZoo.inceptionSpecs[1].preprocessing.resizeShorter, 342)
        XCTAssertEqual(ModelZoo.inceptionSpecs[0].auxiliaryLossWeight, 0.3)
        XCTAssertEqual(ModelZoo.inceptionSpecs[1].auxiliaryLossWeight, 0.4)
    }

    func testImageNetClassNames() {
        XCTAssertEqual(ImageNetClasses.names.count, 1000)
        XCTAssertEqual(ImageNetClasses.names[0], "tench")
        XCTAssertEqual(ImageNetClasses.names[281], "tabby")
        XCTAssertEqual(ImageNetClasses.names[967], "espresso")
        XCTAssertEqual(ImageNetClasses.names[999], "toilet tissue")
    }
}
