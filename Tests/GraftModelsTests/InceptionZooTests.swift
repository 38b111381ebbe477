import XCTest
import GraftNN
@testable import GraftModels

final class InceptionZooTests: XCTestCase {
    /// Every spec builds its model with the requested classes; its head, auxiliary heads and
    /// stages name modules of that model, and the stages cover every parameter outside the
    /// auxiliary heads.
    func testSpecsNameRealModules() throws {
        let specs = try ["googlenet", "inception_v3", "efficientnet_lite0"].map(ModelZoo.spec)
        for spec in specs {
            let model = try spec.make(numClasses: 5)
            let head = try XCTUnwrap(model.head as? Linear, spec.name)
            XCTAssertEqual(head.outFeatures, 5)
            XCTAssertEqual(model.auxiliaryHeadPaths.count, model.auxiliaryHeads.count, spec.name)
            XCTAssertEqual(model.stagePaths.count, model.stages.count, spec.name)
            let covered = model.stagePaths + model.auxiliaryHeadPaths
            for (name, _) in model.namedParameters() {
                XCTAssertTrue(covered.contains { name.hasPrefix($0 + ".") }, "\(spec.name): \(name) is in no stage")
            }
        }
        let lite = specs[2].preprocessing
        XCTAssertEqual(lite.mean[0] * 255, 127, accuracy: 1e-4)
        XCTAssertEqual(lite.std[0] * 255, 128, accuracy: 1e-4)
        XCTAssertEqual(specs[1].inputShape, [3, 299, 299])
        XCTAssertEqual(specs[1].preprocessing.resizeShorter, 342)
        XCTAssertEqual(try specs[0].make(numClasses: 2).auxiliaryLossWeight, 0.3)
        XCTAssertEqual(try specs[1].make(numClasses: 2).auxiliaryLossWeight, 0.4)
    }

    func testImageNetClassNames() {
        XCTAssertEqual(ImageNetClasses.names.count, 1000)
        XCTAssertEqual(ImageNetClasses.names[0], "tench")
        XCTAssertEqual(ImageNetClasses.names[281], "tabby")
        XCTAssertEqual(ImageNetClasses.names[967], "espresso")
        XCTAssertEqual(ImageNetClasses.names[999], "toilet tissue")
    }
}
