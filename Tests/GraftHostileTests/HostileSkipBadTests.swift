import Foundation
import GraftData
import GraftIO
import GraftModels
import XCTest
import GraftTestSupport

/// `--skip-bad` skips an image that fails to decode wherever a file is read (training,
/// validation, test, the feature cache, evaluate, predict) and reports each one; without it a
/// bad file stops the command early, naming the file.
final class HostileSkipBadTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws { root = try temporaryFolder("skip-bad") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// An ImageFolder `train/ val/ test/` of two classes of 40×40 PNGs, with a truncated
    /// `broken-<split>.png` in class `a` of each split in `broken`.
    private func tree(broken: Set<String>) throws -> String {
        let data = root + "/data-\(broken.sorted().joined(separator: "-"))"
        for (split, count) in [("train", 8), ("val", 3), ("test", 3)] {
            for (c, name) in ["a", "b"].enumerated() {
                let folder = "\(data)/\(split)/\(name)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for i in 0..<count {
                    let pixels = (0..<(40 * 40 * 3)).map { UInt8(truncatingIfNeeded: c * 120 + ($0 * 7 + i * 13) % 90) }
                    try Image(width: 40, height: 40, channels: 3, pixels: pixels).writePNG(to: "\(folder)/\(i).png")
                }
                if name == "a" && broken.contains(split) {
                    let whole = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/0.png"))
                    try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: "\(folder)/broken-\(split).png"))
                }
            }
        }
        return data
    }

    private func train(_ data: String, _ extra: [String]) throws -> ChildRun {
        try runGraftChild(["train", "--model", "lenet5", "--data", data, "--epochs", "2", "--batch-size", "4",
                           "--workers", "2", "--cache-dir", root + "/cache", "--json"] + extra)
    }

    /// The summary line of a `--json` run.
    private func summary(_ run: ChildRun) throws -> [String: Any] {
        let line = run.stdout.split(separator: "\n").last { $0.contains(#""event":"summary""#) } ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    private func assertReports(_ run: ChildRun, out: String, splits: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        assertCleanExit(run, status: 0, file: file, line: line)
        let skipped = try summary(run)["skipped_images"] as? [String] ?? []
        XCTAssertEqual(skipped.count, splits.count, "\(skipped)", file: file, line: line)
        let log = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8)
        let report = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(report.contains("Skipped images"), file: file, line: line)
        for split in splits {
            let name = "broken-\(split).png"
            XCTAssertTrue(skipped.contains { $0.contains(name) }, "\(name) not in \(skipped)", file: file, line: line)
            XCTAssertTrue(log.contains(name), "\(name) not in log.jsonl", file: file, line: line)
            XCTAssertTrue(report.contains(name), "\(name) not in report.html", file: file, line: line)
        }
    }

    /// Pretrained weights and `--freeze head` take the feature-cache path, which skips too.
    func testFeatureCachePathSkipsAndReports() throws {
        let data = try tree(broken: ["train", "val", "test"])
        let weights = root + "/lenet5.safetensors"
        try saveWeights(try ModelZoo.spec("lenet5").make(numClasses: 10), to: weights)
        let out = root + "/cached"
        let run = try train(data, ["--weights", weights, "--skip-bad", "--out", out])
        XCTAssertTrue(run.stdout.contains("feature cache"), run.stdout)
        try assertReports(run, out: out, splits: ["train", "val", "test"])
    }

    /// On images: training and validation go on past the bad files, the final evaluation too;
    /// `evaluate` and `predict` skip with `--skip-bad` and stop, naming the file, without it.
    func testImagePathEvaluateAndPredictSkipAndReport() throws {
        let data = try tree(broken: ["train", "val", "test"])
        let out = root + "/images"
        try assertReports(try train(data, ["--skip-bad", "--out", out]), out: out, splits: ["train", "val", "test"])

        let checkpoint = out + "/best.safetensors"
        let evaluated = try runGraftChild(["evaluate", "--model", checkpoint, "--data", data, "--skip-bad", "--json"])
        assertCleanExit(evaluated, status: 0)
        XCTAssertTrue(evaluated.stdout.contains("broken-test.png") && evaluated.stdout.contains(#""n":6"#), evaluated.stdout)
        assertCleanExit(try runGraftChild(["evaluate", "--model", checkpoint, "--data", data]), status: 1, mentions: ["broken-test.png"])

        let predicted = try runGraftChild(["predict", "--model", checkpoint, data + "/test/a", "--skip-bad", "--json"])
        assertCleanExit(predicted, status: 0, mentions: ["skipped 1 image"])
        XCTAssertEqual(predicted.stdout.split(separator: "\n").count, 4, predicted.stdout)
        XCTAssertTrue(predicted.stdout.contains(#""error":"#) && predicted.stdout.contains("broken-test.png"), predicted.stdout)
        assertCleanExit(try runGraftChild(["predict", "--model", checkpoint, data + "/test/a"]), status: 1, mentions: ["broken-test.png"])
    }

    /// Without `--skip-bad` a bad test image (read only at the end) stops the run before its
    /// first epoch, naming the file.
    func testABadTestImageStopsTheRunBeforeTraining() throws {
        let data = try tree(broken: ["test"])
        let run = try train(data, ["--out", root + "/stopped"])
        assertCleanExit(run, status: 1, mentions: ["broken-test.png"])
        XCTAssertFalse(run.stdout.contains(#""event":"epoch""#), run.stdout)
    }
}
