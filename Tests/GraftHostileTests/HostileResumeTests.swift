import Foundation
import GraftTrain
import XCTest
import GraftTestSupport

/// `--resume` checks what it continues (the checkpoint and its state of one epoch, the same
/// recipe) and a new run does not replace an old one unasked.
final class HostileResumeTests: XCTestCase {
    private let fashion = ProcessInfo.processInfo.environment["GRAFT_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist"

    /// A tiny LeNet-5 run on Fashion-MNIST into `out`.
    private func train(_ out: String, epochs: Int = 3, _ extra: [String]) throws -> ChildRun {
        try runGraftChild(["train", "--model", "lenet5", "--data", fashion, "--per-class", "30", "--val-limit", "50",
                           "--epochs", "\(epochs)", "--workers", "2", "--out", out] + extra)
    }

    /// The full disk of the issue: epoch 2's weights written, its state not. Resuming must not
    /// train on epoch-2 weights as if after epoch 1.
    func testResumeRefusesACheckpointAheadOfItsState() throws {
        let root = try temporaryFolder("resume-step")
        defer { try? FileManager.default.removeItem(atPath: root) }
        assertCleanExit(try train(root + "/a", ["--stop-after", "1"]), status: 0)
        assertCleanExit(try train(root + "/b", ["--stop-after", "2"]), status: 0)
        try FileManager.default.removeItem(atPath: root + "/a/last.safetensors")
        try FileManager.default.copyItem(atPath: root + "/b/last.safetensors", toPath: root + "/a/last.safetensors")
        let resumed = try train(root + "/a", ["--resume"])
        assertCleanExit(resumed, status: 1, mentions: ["last.safetensors holds epoch 2", "last.state.safetensors epoch 1"])
        XCTAssertFalse(resumed.stdout.contains("resuming"), resumed.stdout)
    }

    /// A changed recipe is refused, naming each flag with its old and new value, unless
    /// `--resume-with-changes`, which records the change; `--epochs` may grow freely; another
    /// `--model` gets one line.
    func testResumeChecksTheRecipe() throws {
        let root = try temporaryFolder("resume-recipe")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/run"
        assertCleanExit(try train(out, ["--stop-after", "1"]), status: 0)

        let changed = try train(out, ["--resume", "--lr", "0.01", "--batch-size", "16"])
        assertCleanExit(changed, status: 64, mentions: ["--batch-size 32 → 16", "--lr 0.002 → 0.01", "--resume-with-changes"])

        let model = try runGraftChild(["train", "--model", "resnet18", "--data", fashion, "--out", out, "--resume"])
        assertCleanExit(model, status: 64, mentions: ["--model resnet18", "lenet5"])
        XCTAssertLessThan(model.stderr.count, 400, model.stderr)

        assertCleanExit(try train(out, ["--resume", "--lr", "0.01", "--stop-after", "2", "--resume-with-changes"]), status: 0)
        let log = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains(#""event":"resume""#) && log.contains(#""flag":"--lr""#), log)
        let recipe = try readCheckpointMetadata(out + "/last.safetensors").recipe
        XCTAssertEqual(recipe["resume-changes"], "after epoch 1: --lr 0.002 → 0.01", "\(recipe)")
        XCTAssertEqual(recipe["learning-rate"], "0.01")

        let extended = try train(out, epochs: 4, ["--resume", "--lr", "0.01"])
        assertCleanExit(extended, status: 0)
        XCTAssertTrue(extended.stdout.contains("epoch 4/4"), extended.stdout)
    }

    /// A second run into the same folder is refused (exit 64, naming --out and the ways out)
    /// unless `--overwrite`.
    func testANewRunDoesNotReplaceAnOldOneUnasked() throws {
        let root = try temporaryFolder("overwrite")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/run"
        assertCleanExit(try train(out, epochs: 1, []), status: 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/last.safetensors"))
        assertCleanExit(try train(out, epochs: 1, ["--seed", "9"]), status: 64, mentions: ["--out", "--overwrite", "--resume"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/last.safetensors")), before)
        assertCleanExit(try train(out, epochs: 1, ["--seed", "9", "--overwrite"]), status: 0)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/last.safetensors")), before)
        assertCleanExit(try train(root + "/empty", epochs: 1, ["--resume"]), status: 64, mentions: ["--resume", "no run to continue"])
    }
}
