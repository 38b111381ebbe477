import Foundation
import GraftCore
@testable import GraftData
import GraftModels
import GraftTestSupport
@testable import GraftTrain
import XCTest

final class LabPipelineTests: XCTestCase {
    /// bench/lab.py (run by Debian's python3 and its torchvision) reads the subset a run writes
    /// and makes from its first test image the tensors Graft's demo makes. Evaluation: the
    /// 28×28 grey image resized to 73, centre-cropped to 64, grey to RGB, (x − 127) / 128.
    /// Training: torchvision's random resized crop and flip, against Graft's crop of the same
    /// box (the lab reports the box and flip it drew; seeds 0 and 2 draw a flip and none).
    func testLabTensorsAreGrafts() throws {
        try requireFashionMNIST()
        let folder = try temporaryFolder("lab")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var o = TransferOptions(model: "efficientnet_lite0", data: fashionMNISTDirectory)
        o.perClass = 2; o.valLimit = 10
        let data = try TrainingData(o)
        let subset = folder + "/subset.json"
        try TrainingSubset(data, dataPath: fashionMNISTDirectory).write(to: subset)
        let lab = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/lab.py").path
        let pipelines = try RunPipelines(preprocessing: ModelZoo.spec("efficientnet_lite0").preprocessing, size: 64, augment: nil)
        let grey = try XCTUnwrap(data.test).image(at: 0, minimumShorterSide: nil)
        var generator = RandomGenerator(seed: 0)
        let evaluation = try pipelines.sampleMaker(pipelines.evaluation)(grey, &generator)
        XCTAssertEqual([evaluation.channels, evaluation.height, evaluation.width], [3, 64, 64])
        XCTAssertGreaterThan(Set(evaluation.values).count, 20, "an image, not a blank")
        let normalise = try ToSample(mean: pipelines.preprocessing.mean, std: pipelines.preprocessing.std)
        var flips: Set<Bool> = []
        for seed in [0, 2] {
            let out = folder + "/check\(seed)"
            try runPython([lab, "--subset", subset, "--check-images", out, "--seed", "\(seed)"])
            func floats(_ name: String) throws -> [Float] {
                try Data(contentsOf: URL(fileURLWithPath: out + "/" + name)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            }
            struct Drawn: Decodable { let box: [Int]; let flipped: Bool }
            let drawn = try JSONDecoder().decode(Drawn.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/train.json")))
            flips.insert(drawn.flipped)
            let b = drawn.box   // top, left, height, width
            let rgb = try grey.converted(channels: 3)
            let cropped = rgb.resizedCrop(top: b[0], left: b[1], height: b[2], width: b[3], outputWidth: 64, outputHeight: 64)
            let training = try normalise.apply(drawn.flipped ? cropped.mirrored() : cropped)
            for (ours, theirs) in [(evaluation.values, try floats("eval.f32")), (training.values, try floats("train.f32"))] {
                XCTAssertEqual(theirs.count, ours.count)
                XCTAssertLessThan(zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity, 1e-5, "seed \(seed)")
            }
        }
        XCTAssertEqual(flips, [true, false])
    }
}
