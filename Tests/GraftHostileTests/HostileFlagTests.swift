import Foundation
import XCTest
import GraftTestSupport
import Graft

/// Flags and files a user gets wrong, and what `graft` says then: usage errors exit 64 naming
/// the flag (and the config file line that set it), file errors say why in plain words, and
/// the console says what a run trains and how to continue it.
final class HostileFlagTests: XCTestCase {
    static let fashion = ProcessInfo.processInfo.environment["GRAFT_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private var folder: String!

    override func setUpWithError() throws { folder = try temporaryFolder("flags") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// `graft train --model lenet5 --data FOLDER` (an empty folder: flags are checked first).
    private func train(_ flags: [String]) throws -> ChildRun {
        try runGraftChild(["train", "--model", "lenet5", "--data", folder] + flags)
    }

    /// A tiny Fashion-MNIST run's flags, writing into `out`.
    private func tinyRun(_ out: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: Self.fashion + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not at \(Self.fashion)")
        }
        return ["train", "--model", "lenet5", "--data", Self.fashion, "--per-class", "30", "--val-limit", "50", "--out", out]
    }

    func testBadFreezeAugmentAndMomentumAreUsageErrors() throws {
        assertCleanExit(try train(["--freeze", "bogus"]), status: 64, mentions: ["--freeze", "'bogus' matches no parameter"])
        assertCleanExit(try train(["--freeze", "last:9"]), status: 64, mentions: ["--freeze 'last:9'"])
        assertCleanExit(try train(["--augment", "no-such-transform(3)"]), status: 64, mentions: ["--augment"])
        assertCleanExit(try train(["--momentum", "1.5"]), status: 64, mentions: ["--momentum must be in [0, 1)"])
    }

    func testDemoRerunScaleMustBePositive() throws {
        for bad in ["0", "-0.3", "nan", "inf"] {
            assertCleanExit(try runGraftChild(["demo", "--data", folder, "--rerun-lr-scale", bad]), status: 64,
                            mentions: ["--rerun-lr-scale must be a positive number"])
        }
    }

    func testNegativeNumbersNeedNoEqualsSign() throws {
        assertCleanExit(try train(["--lr", "-1"]), status: 64, mentions: ["--lr must be a positive number, not -1"])
        assertCleanExit(try train(["--weight-decay", "-0.5"]), status: 64, mentions: ["--weight-decay must not be negative"])
        assertCleanExit(try train(["--lr=-1"]), status: 64, mentions: ["--lr must be a positive number, not -1"])
    }

    func testConfigErrorsNameTheFileAndTheLine() throws {
        let yaml = folder + "/run.yaml"
        try "model: lenet5\n# a comment\ndata: \(folder!)\nepochs: 0\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        assertCleanExit(try runGraftChild(["train", "--config", yaml]), status: 64, mentions: ["--epochs", "\(yaml) line 4"])
        let json = folder + "/run.json"
        try "{\n  \"model\": \"lenet5\",\n  \"data\": \"\(folder!)\",\n  \"momentum\": 2\n}\n".write(toFile: json, atomically: true, encoding: .utf8)
        assertCleanExit(try runGraftChild(["train", "--config", json]), status: 64, mentions: ["--momentum", "\(json) line 4"])
        let typo = folder + "/typo.yaml"
        try "model: lenet5\ndata: \(folder!)\nbatch-sise: 3\n".write(toFile: typo, atomically: true, encoding: .utf8)
        assertCleanExit(try runGraftChild(["train", "--config", typo]), status: 64, mentions: ["--batch-sise", "\(typo) line 3"])
        // The command line wins, and then the file is not blamed.
        let overridden = try runGraftChild(["train", "--config", yaml, "--epochs", "-2"])
        assertCleanExit(overridden, status: 64, mentions: ["--epochs must be 1 to \(TransferOptions.maximumEpochs), not -2"])
        XCTAssertFalse(overridden.stderr.contains("line 4"), overridden.stderr)
    }

    func testHelpCallsT10kTheTestSetAndShowsExamples() throws {
        let train = try runGraftChild(["train", "--help"])
        XCTAssertEqual(train.status, 0)
        let text = train.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(text.contains("t10k-* the test set"), text)
        XCTAssertFalse(text.contains("validation set)"), text)
        for command in ["inspect", "bench"] {
            let help = try runGraftChild([command, "--help"])
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.stdout.contains("Examples:\n  graft \(command) "), help.stdout)
        }
    }

    func testInspectGraphPrintsOneLinePerOpAndRefusesWhatItCannotShow() throws {
        let run = try runGraftChild(["inspect", "lenet5", "--graph"])
        assertCleanExit(run, status: 0)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.dropFirst().first, "%0 = input -> 1x1x32x32 fp32 nchw  buffer 0, 4.0 KB", run.stdout)
        XCTAssertTrue(lines.last?.hasPrefix("total: ") == true, run.stdout)
        assertCleanExit(try runGraftChild(["inspect", "lenet5", "--graph", "--json"]), status: 64, mentions: ["--graph"])
        assertCleanExit(try runGraftChild(["inspect", "lenet5", "--freeze", "head"]), status: 64, mentions: ["--freeze go with --graph"])
        assertCleanExit(try runGraftChild(["inspect", "lenet5", "--graph", "--freeze", "last:"]), status: 64, mentions: ["--freeze", "last:"])
        assertCleanExit(try runGraftChild(["inspect", "lenet5", "--graph", "--freeze", "nothing.here"]), status: 1,
                        mentions: ["--freeze 'nothing.here'"])
        let file = folder + "/weights.safetensors"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        assertCleanExit(try runGraftChild(["inspect", file, "--graph"]), status: 64, mentions: ["--graph goes with a model"])
    }

    func testAnOutFolderThatCannotBeCreatedSaysWhy() throws {
        let file = folder + "/a-file"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let run = try runGraftChild(try tinyRun(file + "/run") + ["--epochs", "1"])
        assertCleanExit(run, status: 1, mentions: ["--out '\(file)/run'", "Not a directory"])
        XCTAssertFalse(run.stderr.contains("NSCocoaErrorDomain"), run.stderr)
    }

    func testResumingWithAnotherOptimizerNamesTheFlag() throws {
        let flags = try tinyRun(folder + "/run") + ["--epochs", "2"]
        assertCleanExit(try runGraftChild(flags + ["--stop-after", "1"]), status: 0)
        let resumed = try runGraftChild(flags + ["--resume", "--optimizer", "sgd"])
        XCTAssertNil(resumed.signal)
        XCTAssertNotEqual(resumed.status, 0)
        XCTAssertTrue(resumed.stderr.contains("--optimizer adam"), resumed.stderr)
        XCTAssertFalse(resumed.stderr.contains("loadState") || resumed.stderr.contains("SGD"), resumed.stderr)
    }

    func testTrainSaysWhatTrainsAndThatLRIsTheEpochStartRate() throws {
        let run = try runGraftChild(try tinyRun(folder + "/run") + ["--epochs", "1", "--freeze", "last:1"])
        assertCleanExit(run, status: 0)
        XCTAssertTrue(run.stdout.contains("trains: fc2, fc3\n"), run.stdout)
        XCTAssertTrue(run.stdout.contains("start lr "), run.stdout)
    }

    /// Two classes of one photo each: nothing can be held out for validation, and the run
    /// still finishes, with its checkpoint and report.
    func testARunWithoutValidationImagesFinishes() throws {
        let photos = Self.repository.appendingPathComponent("Tests/Fixtures/photos").path
        for (photo, label) in [("coffee", "cup"), ("rocket", "sky")] {
            try FileManager.default.createDirectory(atPath: folder + "/data/" + label, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: photos + "/\(photo).jpg", toPath: folder + "/data/\(label)/\(photo).jpg")
        }
        let run = try runGraftChild(["train", "--model", "lenet5", "--data", folder + "/data", "--epochs", "1",
                                     "--schedule", "none", "--out", folder + "/run"])
        assertCleanExit(run, status: 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/run/report.html"))
    }

    func testPredictLeavesOutImagesItCannotDecode() throws {
        let weights = Self.repository.appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path
        guard FileManager.default.fileExists(atPath: weights) else { throw XCTSkip("no \(weights): run `make weights`") }
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.repository.appendingPathComponent("Tests/Fixtures/photos/coffee.jpg").path,
                                         toPath: photos + "/a.jpg")
        XCTAssertTrue(FileManager.default.createFile(atPath: photos + "/b.webp", contents: Data("RIFF\0\0\0\0WEBPVP8 ".utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: photos + "/c.tif", contents: Data("II*\0".utf8)))
        let run = try runGraftChild(["predict", "--model", "efficientnet_lite0", "--weights", weights, "--topk", "1", photos])
        assertCleanExit(run, status: 0, mentions: ["left out 2", "b.webp", "c.tif"])
        XCTAssertTrue(run.stdout.contains(photos + "/a.jpg"), run.stdout)
    }

    func testInterruptedTrainingSaysHowToResume() throws {
        let out = folder + "/run"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: graftExecutable)
        process.arguments = try tinyRun(out) + ["--epochs", "1000", "--schedule", "none"]
        let errors = folder + "/stderr"
        XCTAssertTrue(FileManager.default.createFile(atPath: errors, contents: nil))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: out + "/last.state.safetensors"), process.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        process.interrupt()
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, stderr)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("\(out) keeps the last finished epoch") && stderr.contains("--resume"), stderr)
    }
}

/// Each enum flag refuses a typo with exit status 64, listing its choices.
final class HostileEnumFlagTests: XCTestCase {
    func testEnumFlagsRefuseATypoListingTheChoices() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let cases: [(String, [String], [String])] = [
            ("--optimizer", ["train", "--model", "lenet5", "--data", folder, "--optimizer", "adma"], ["sgd", "adam", "adamw"]),
            ("--schedule", ["train", "--model", "lenet5", "--data", folder, "--schedule", "cosin"], ["none", "step", "cosine", "onecycle"]),
            ("--class-weights", ["train", "--model", "lenet5", "--data", folder, "--class-weights", "balance"], ["none", "balanced"]),
            ("--nonfinite", ["train", "--model", "lenet5", "--data", folder, "--nonfinite", "maybe"], ["stop", "skip"]),
            ("--precision", ["train", "--model", "lenet5", "--data", folder, "--precision", "fp16"], ["fp32", "bf16", "int8"]),
            ("--tta", ["evaluate", "--model", "m.safetensors", "--data", folder, "--tta", "tencrop"],
             ["none", "flip", "ten-crop", "multi-scale"]),
        ]
        for (flag, arguments, choices) in cases {
            let run = try runGraftChild(arguments)
            assertCleanExit(run, status: 64, mentions: [flag] + choices.map { "'\($0)'" })
        }
    }
}
