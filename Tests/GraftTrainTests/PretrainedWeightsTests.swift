import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest

final class PretrainedWeightsTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("graft-pretrained-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// A 1000-class checkpoint loaded into a 10-class model names the head's keys and says how
    /// to replace the head.
    func testAThousandClassFileInATenClassModelNamesTheHead() throws {
        let spec = try ModelZoo.spec("lenet5")
        let path = directory + "/lenet-1000.safetensors"
        try saveWeights(spec.make(numClasses: 1000), to: path)
        let model = try spec.make(numClasses: 10)
        XCTAssertThrowsError(try loadPretrainedWeights(into: model, spec: spec, from: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(error is HeadMismatchError, text)
            XCTAssertTrue(text.contains(path), text)
            XCTAssertTrue(text.contains("fc3.weight") && text.contains("fc3.bias"), text)
            XCTAssertTrue(text.contains("[1000, 84]") && text.contains("[10, 84]"), text)
            XCTAssertTrue(text.contains("replace its head") && text.contains("strict: false"), text)
        }
    }

    func testOtherMismatchesAreNotBlamedOnTheHead() throws {
        let spec = try ModelZoo.spec("lenet5")
        let path = directory + "/partial.safetensors"
        let model = try spec.make(numClasses: 10)
        try SafeTensors.write(model.stateDict().filter { !$0.0.hasPrefix("conv1.") }, to: path)
        XCTAssertThrowsError(try loadPretrainedWeights(into: model, spec: spec, from: path)) { error in
            XCTAssertFalse(error is HeadMismatchError)
            XCTAssertTrue("\(error)".contains("conv1.weight"), "\(error)")
        }
    }

    func testPredictorReadsTheClassCountFromTheFileAndRanksClasses() throws {
        GlobalRandom.seed(1)
        let spec = try ModelZoo.spec("lenet5")
        let path = directory + "/lenet-7.safetensors"
        try saveWeights(spec.make(numClasses: 7), to: path)
        let predictor = try Predictor(modelName: "lenet5", weightsPath: path)
        XCTAssertNil(predictor.labels)
        let input = Tensor(shape: [1, 1, 32, 32], data: (0..<1024).map { Float($0 % 13) / 13 })
        let p = try predictor.predict(input: input, path: "x", topK: 3)
        XCTAssertEqual(p.logits.count, 7)
        XCTAssertEqual(p.top.count, 3)
        XCTAssertEqual(p.top[0].index, p.logits.indices.max { p.logits[$0] < p.logits[$1] })
        XCTAssertGreaterThanOrEqual(p.top[0].probability, p.top[1].probability)
        let json = try JSONSerialization.jsonObject(with: Data(p.jsonLine(includeLogits: true).utf8)) as! [String: Any]
        XCTAssertEqual((json["logits"] as! [Double]).count, 7)
        XCTAssertEqual((json["predictions"] as! [[String: Any]]).count, 3)
        let withoutLogits = try JSONSerialization.jsonObject(with: Data(p.jsonLine(includeLogits: false).utf8)) as! [String: Any]
        XCTAssertNil(withoutLogits["logits"])
    }
}
