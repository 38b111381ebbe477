import Foundation
import GraftCore
import GraftModels
import GraftTestSupport
@testable import GraftTrain
import XCTest

final class LabPipelineTests: XCTestCase {
    /// bench/lab.py (run by Debian's python3 and its torchvision) reads the subset a run writes
    /// and makes from its first test image the tensor Graft's demo evaluates: Fashion-MNIST's
    /// 28×28 grey image resized to 73, centre-cropped to 64, grey to RGB, (x − 127) / 128.
    func testLabEvaluationTensorIsGrafts() throws {
        try requireFashionMNIST()
        let folder = try temporaryFolder("lab")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var o = TransferOptions(model: "efficientnet_lite0", data: fashionMNISTDirectory)
        o.perClass = 2; o.valLimit = 10
        let data = try TrainingData(o)
        let subset = folder + "/subset.json", tensor = folder + "/image.f32"
        try TrainingSubset(data, dataPath: fashionMNISTDirectory).write(to: subset)
        let lab = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/lab.py").path
        try runPython([lab, "--subset", subset, "--check-image", tensor])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: tensor))
        let theirs = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }

        let pipelines = try RunPipelines(preprocessing: ModelZoo.spec("efficientnet_lite0").preprocessing, size: 64, augment: nil)
        var generator = RandomGenerator(seed: 0)
        let test = try XCTUnwrap(data.test)
        let ours = try pipelines.sampleMaker(pipelines.evaluation)(test.image(at: 0, minimumShorterSide: nil), &generator)
        XCTAssertEqual([ours.channels, ours.height, ours.width], [3, 64, 64])
        XCTAssertEqual(theirs.count, ours.values.count)
        XCTAssertLessThan(zip(ours.values, theirs).map { abs($0 - $1) }.max() ?? .infinity, 1e-5)
        XCTAssertGreaterThan(Set(ours.values).count, 20, "an image, not a blank")
    }
}
