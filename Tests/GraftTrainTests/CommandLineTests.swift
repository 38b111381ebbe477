import Foundation
import XCTest
import GraftTrain

/// Runs the built `graft` executable (next to the test bundle), with `environment` added to
/// this process's, and returns its exit status and output.
func runGraft(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    var binary = products.appendingPathComponent("graft")
    if !FileManager.default.fileExists(atPath: binary.path) {
        // XCTest on Linux runs from the products directory itself.
        binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("graft")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

final class CommandLineTests: XCTestCase {
    func testUnknownModelExitsWithTheKnownModels() throws {
        let r = try runGraft(["train", "--model", "resnet9000", "--data", "/tmp"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("resnet9000") && r.stderr.contains("lenet5"), r.stderr)
    }

    func testMissingDataIsNamed() throws {
        let r = try runGraft(["train", "--model", "lenet5", "--data", "/nonexistent-graft-data"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--data '/nonexistent-graft-data'"), r.stderr)
    }

    func testJSONLinesEndWithTheSummary() throws {
        try requireFashionMNIST()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("graft-json-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runGraft(["train", "--model", "lenet5", "--data", fashionMNISTDirectory, "--epochs", "2",
                              "--per-class", "300", "--val-limit", "500", "--out", out, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objects = try r.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(objects.first?["event"] as? String, "start")
        XCTAssertEqual(objects.filter { $0["event"] as? String == "epoch" }.count, 2)
        let last = try XCTUnwrap(objects.last)
        XCTAssertEqual(last["event"] as? String, "summary")
        XCTAssertEqual(last["epochs"] as? Int, 2)
        XCTAssertGreaterThan(try XCTUnwrap(last["val_top1"] as? Double), 0.5)
        XCTAssertGreaterThan(try XCTUnwrap(last["test_top1"] as? Double), 0.5)
        XCTAssertEqual(last["checkpoint"] as? String, out + "/best.safetensors")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/best.safetensors"))
    }

    /// A config file gives the same flags; the command line wins over it.
    func testConfigFileSuppliesFlags() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graft-config-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = dir + "/run.yaml"
        try "model: resnet9001  # unknown on purpose\ndata: /tmp\nepochs: 3\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        let r = try runGraft(["train", "--config", yaml])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("resnet9001"), r.stderr)
        let json = dir + "/run.json"
        try #"{"model": "lenet5", "data": "/tmp", "epochs": 0}"#.write(toFile: json, atomically: true, encoding: .utf8)
        let bad = try runGraft(["train", "--config", json])
        XCTAssertTrue(bad.stderr.contains("--epochs"), bad.stderr)
        let overridden = try runGraft(["train", "--config", json, "--epochs", "1", "--model", "resnet9002"])
        XCTAssertTrue(overridden.stderr.contains("resnet9002"), overridden.stderr)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let checkpoint = repository.appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path

    /// `graft predict` with the real EfficientNet-Lite0 checkpoint: one JSON object per image
    /// with ImageNet labels, probabilities in order, and logits on request.
    func testPredictPrintsJSONWithImageNetLabels() throws {
        let photos = ["chelsea", "coffee"].map { Self.repository.appendingPathComponent("Tests/Fixtures/photos/\($0).jpg").path }
        let r = try runGraft(["predict", "--model", "efficientnet_lite0", "--weights", Self.checkpoint, "--topk", "3",
                              "--json", "--logits"] + photos)
        XCTAssertEqual(r.status, 0, r.stderr)
        let objects = try r.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(objects.map { $0["path"] as? String }, photos)
        let first = objects[0]["predictions"] as! [[String: Any]]
        XCTAssertEqual(first.count, 3)
        XCTAssertTrue((first[0]["label"] as! String).contains("cat"), "\(first)")
        let probabilities = first.map { $0["probability"] as! Double }
        XCTAssertEqual(probabilities, probabilities.sorted(by: >))
        XCTAssertEqual((objects[0]["logits"] as! [Double]).count, 1000)
        XCTAssertEqual((objects[1]["predictions"] as! [[String: Any]])[0]["label"] as? String, "espresso")
    }

    func testPredictNamesACorruptImage() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("graft-bad-\(UUID()).jpg").path
        _ = FileManager.default.createFile(atPath: bad, contents: Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 1, 2, 3]))
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let r = try runGraft(["predict", "--model", "efficientnet_lite0", "--weights", Self.checkpoint, bad])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(bad), r.stderr)
    }

    func testInspectShowsLayersAndWhichModelAFileFits() throws {
        let model = try runGraft(["inspect", "resnet18"])
        XCTAssertEqual(model.status, 0, model.stderr)
        XCTAssertTrue(model.stdout.contains("layer4.1.conv2"), model.stdout)
        XCTAssertTrue(model.stdout.contains("stages: conv1, bn1, layer1, layer2, layer3, layer4, fc\n"), model.stdout)
        XCTAssertTrue(model.stdout.contains("11689512 parameters"), model.stdout)
        XCTAssertTrue(model.stdout.contains("3.6"), "ResNet-18 has about 3.6 GFLOPs per image: \(model.stdout.suffix(200))")
        let file = try runGraft(["inspect", Self.checkpoint])
        XCTAssertEqual(file.status, 0, file.stderr)
        XCTAssertTrue(file.stdout.contains("_blocks.15._project_conv.weight"), file.stdout)
        XCTAssertTrue(file.stdout.contains("fits: efficientnet_lite0 (1000 classes)"), file.stdout)
    }

    /// `--freeze last:1 --cache-views 2` shows the prefix cache's cut and size; a budget that is
    /// no size is named by its flag.
    func testInspectShowsThePrefixCacheCutAndTrainNamesABadBudget() throws {
        let cut = try runGraft(["inspect", "resnet18", "--freeze", "last:1", "--cache-views", "2", "--image-size", "64", "--images", "10"])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertTrue(cut.stdout.contains("cuts at the output of layer3.1.relu, [256, 4, 4] per image"), cut.stdout)
        XCTAssertTrue(cut.stdout.contains("cache of 10 images × 2 views: \(ByteSize.describe(10 * 2 * 256 * 16 * 4)) at fp32"), cut.stdout)
        let misplaced = try runGraft(["inspect", "resnet18", "--cache-views", "2"])
        XCTAssertNotEqual(misplaced.status, 0)
        XCTAssertTrue(misplaced.stderr.contains("--cache-views goes with a model and --freeze"), misplaced.stderr)
        let budget = try runGraft(["train", "--model", "resnet18", "--data", "/nonexistent", "--freeze", "last:1", "--cache-budget", "2XB"])
        XCTAssertNotEqual(budget.status, 0)
        XCTAssertTrue(budget.stderr.contains("--cache-budget '2XB' is not a size"), budget.stderr)
    }

    func testInspectJSON() throws {
        let model = try runGraft(["inspect", "resnet18", "--json"])
        XCTAssertEqual(model.status, 0, model.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(model.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["parameters"] as? Int, 11689512)
        XCTAssertEqual(object["head"] as? String, "fc")
        XCTAssertEqual(object["stages"] as? [String], ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"])
        XCTAssertEqual(object["auxiliary_heads"] as? [String], [])
        XCTAssertTrue((object["layers"] as! [[String: Any]]).contains { $0["name"] as? String == "layer4.1.conv2" })
        let file = try runGraft(["inspect", Self.checkpoint, "--json"])
        XCTAssertEqual(file.status, 0, file.stderr)
        let fileObject = try JSONSerialization.jsonObject(with: Data(file.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((fileObject["fits"] as! [[String: Any]]).first?["model"] as? String, "efficientnet_lite0")
        XCTAssertEqual((fileObject["tensors"] as! [Any]).count, 296)
    }
}
