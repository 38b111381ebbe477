import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

/// `graft predict` on Graft checkpoints and folders, and the plain `--model NAME --weights FILE` form.
final class PredictCheckpointTests: XCTestCase {
    private var directory: String!
    private let photos = CommandLineTests.repository.appendingPathComponent("Tests/Fixtures/photos").path

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "graft-predict-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A LeNet-5 checkpoint for three named classes, with a preprocessing of its own (shorter
    /// side resized to 36, not LeNet's 32).
    private func writeCheckpoint() throws -> (path: String, model: Module) {
        GlobalRandom.seed(11)
        let model = try ModelZoo.spec("lenet5").make(head: HeadConfig(classes: 3, hidden: [10]))
        let preprocessing = Preprocessing(channels: 1, inputSize: 32, resizeShorter: 36, mean: [0.5], std: [0.25])
        let path = directory + "/best.safetensors"
        try saveCheckpoint(model, metadata: CheckpointMetadata(architecture: "lenet5", head: HeadConfig(classes: 3, hidden: [10]),
                                                              classNames: ["cat", "coffee", "rocket"], preprocessing: preprocessing),
                           to: path)
        return (path, model)
    }

    /// `predict` resizes with the checkpoint's interpolation.
    func testPreprocessingUsesTheCheckpointsInterpolation() throws {
        let head = HeadConfig(classes: 3, hidden: [10])
        let bicubic = Preprocessing(channels: 1, inputSize: 32, resizeShorter: 36, interpolation: .bicubic, mean: [0.5], std: [0.25])
        let path = directory + "/bicubic.safetensors"
        try saveCheckpoint(try ModelZoo.spec("lenet5").make(head: head),
                           metadata: CheckpointMetadata(architecture: "lenet5", head: head, classNames: ["a", "b", "c"], preprocessing: bicubic),
                           to: path)
        let photo = photos + "/chelsea.jpg"
        let input = try Predictor(checkpoint: path).preprocess(photo).toArray()
        let image = try Image(contentsOf: photo).converted(channels: 1)
        func view(_ interpolation: Interpolation) throws -> [Float] {
            try image.resizeAndCenterCrop(shorterSide: 36, crop: 32, interpolation: interpolation).toTensor(mean: [0.5], std: [0.25]).toArray()
        }
        XCTAssertEqual(input, try view(.bicubic))
        XCTAssertNotEqual(input, try view(.bilinear))
    }

    /// A folder of images: two photos at the top, one in a subfolder, a hidden one, a hidden
    /// folder and a file that is not an image.
    private func writeFolder() throws -> String {
        let folder = directory + "/photos"
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: folder + "/.thumbs", withIntermediateDirectories: true)
        for (source, target) in [("rocket", "b.jpg"), ("chelsea", "a.JPG"), ("coffee", "sub/c.jpg"), ("coffee", ".hidden.jpg"),
                                 ("coffee", ".thumbs/d.jpg")] {
            try fm.copyItem(atPath: photos + "/\(source).jpg", toPath: folder + "/" + target)
        }
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        return folder
    }

    func testFoldersAreWalkedInOrderWithoutHiddenFiles() throws {
        let folder = try writeFolder()
        let file = photos + "/coffee.jpg"
        XCTAssertEqual(try imagePaths([file, folder]), [file, folder + "/a.JPG", folder + "/b.jpg", folder + "/sub/c.jpg"])
        XCTAssertThrowsError(try imagePaths([directory + "/nothing"])) { error in
            XCTAssertEqual("\(error)", "'\(directory!)/nothing' does not exist")
        }
        try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: true)
        XCTAssertThrowsError(try imagePaths([directory + "/empty"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("'\(directory!)/empty' holds no image files"), "\(error)")
        }
    }

    /// Everything comes from the checkpoint: class names, preprocessing, head; the figures are
    /// those of the saved model.
    func testPredictorFromACheckpoint() throws {
        let (path, model) = try writeCheckpoint()
        let predictor = try Predictor(checkpoint: path)
        XCTAssertEqual(predictor.labels, ["cat", "coffee", "rocket"])
        XCTAssertEqual(predictor.preprocessing.resizeShorter, 36)
        let input = try predictor.preprocess(photos + "/rocket.jpg")
        XCTAssertEqual(input.shape, [1, 1, 32, 32])
        let prediction = try predictor.predict(photos + "/rocket.jpg", topK: 2)
        model.eval()
        XCTAssertEqual(prediction.logits, try GradMode.withoutGradients { try model(input) }.toArray())
        XCTAssertEqual(prediction.top.count, 2)
        XCTAssertEqual(prediction.top[0].label, ["cat", "coffee", "rocket"][prediction.top[0].index])
    }

    func testCommandLineWithACheckpointAndAFolder() throws {
        let (path, _) = try writeCheckpoint()
        let folder = try writeFolder()
        let r = try runGraft(["predict", "--model", path, "--json", "--topk", "3", folder])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objects = try r.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(objects.map { $0["path"] as? String }, [folder + "/a.JPG", folder + "/b.jpg", folder + "/sub/c.jpg"])
        for object in objects {
            let labels = (object["predictions"] as! [[String: Any]]).map { $0["label"] as! String }
            XCTAssertEqual(labels.sorted(), ["cat", "coffee", "rocket"])
        }
        let table = try runGraft(["predict", "--model", path, "--topk", "1", photos + "/coffee.jpg"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.hasPrefix(photos + "/coffee.jpg\n   1  "), table.stdout)
    }

    /// `--model NAME --weights FILE` still works; the two forms are not mixed; a plain weight
    /// file given as a checkpoint is told how to be used.
    func testCommandLineFormsAndMistakes() throws {
        let plain = directory + "/lenet.safetensors"
        try saveWeights(try ModelZoo.spec("lenet5").make(numClasses: 10), to: plain)
        let photo = photos + "/chelsea.jpg"
        let named = try runGraft(["predict", "--model", "lenet5", "--weights", plain, "--json", photo])
        XCTAssertEqual(named.status, 0, named.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((object["predictions"] as! [[String: Any]]).count, 5)

        let asCheckpoint = try runGraft(["predict", "--model", plain, photo])
        XCTAssertNotEqual(asCheckpoint.status, 0)
        XCTAssertTrue(asCheckpoint.stderr.contains("\(plain) is not a Graft checkpoint") && asCheckpoint.stderr.contains("--model NAME --weights \(plain)"),
                      asCheckpoint.stderr)
        let noWeights = try runGraft(["predict", "--model", "lenet5", photo])
        XCTAssertNotEqual(noWeights.status, 0)
        XCTAssertTrue(noWeights.stderr.contains("--model lenet5 has no published pretrained weights: give --weights FILE"), noWeights.stderr)
        let (checkpoint, _) = try writeCheckpoint()
        let both = try runGraft(["predict", "--model", checkpoint, "--weights", plain, photo])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--weights is not used with a checkpoint"), both.stderr)
        let neither = try runGraft(["predict", "--model", "resnet9", photo])
        XCTAssertNotEqual(neither.status, 0)
        XCTAssertTrue(neither.stderr.contains("'resnet9' is neither a checkpoint file nor a known model"), neither.stderr)
    }
}
