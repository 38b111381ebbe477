import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// Hostile flags and diverging runs of `graft train`, and what `predict` and `evaluate` make
/// of a diverged checkpoint (issue 13, defects 2, 3, 9).
final class HostileTrainingTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws { folder = try temporaryFolder("training") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// An ImageFolder of 32×32 grey images: `train/` and `val/`, `perClass` of each of two classes.
    private func images(perClass: Int = 3) throws -> String {
        let root = folder + "/images"
        for split in ["train", "val"] {
            for (c, name) in ["dark", "light"].enumerated() {
                try FileManager.default.createDirectory(atPath: "\(root)/\(split)/\(name)", withIntermediateDirectories: true)
                for i in 0..<perClass {
                    let pixels = (0..<(32 * 32)).map { UInt8(clamping: 50 + 150 * c + ($0 * 7 + i * 13) % 40) }
                    try Image(width: 32, height: 32, channels: 1, pixels: pixels).writePNG(to: "\(root)/\(split)/\(name)/\(i).png")
                }
            }
        }
        return root
    }

    /// LeNet-5 weights with a NaN in every tensor: a run on them diverges at its first step.
    private func nanWeights() throws -> String {
        let model = try ModelZoo.spec("lenet5").make(numClasses: 10)
        for (_, t) in model.stateDict() { t.assign(Tensor(repeating: .nan, shape: t.shape)) }
        let path = folder + "/nan.safetensors"
        try saveWeights(model, to: path)
        return path
    }

    /// Sizes beyond their documented maximum are bad flags (64) naming the flag, refused before
    /// any memory is used or any folder made (`--image-size 100000` once grew to 24 GB).
    func testOversizedFlagsAreBadFlags() throws {
        let out = folder + "/run"
        for (flag, value) in [("--image-size", "100000"), ("--hidden", "1000000000000"), ("--batch-size", "100000000"),
                              ("--cache-views", "100000"), ("--epochs", "1000000000"), ("--nonfinite", "maybe")] {
            let run = try runGraftChild(["train", "--model", "lenet5", "--data", folder, "--out", out, flag, value])
            assertCleanExit(run, status: 64, mentions: [flag])
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), flag)
        }
    }

    /// `--optimizer sgd --lr 100` on LeNet-5 diverges in epoch 1: the run stops with status 1,
    /// naming the epoch, the step and the likely cause, and writes no checkpoint (`--lr 10`
    /// once exited 0 with an all-NaN best.safetensors at "val 100.00%").
    func testADivergingRunStopsWithoutACheckpoint() throws {
        let fashion = ProcessInfo.processInfo.environment["GRAFT_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: fashion) else { throw XCTSkip("no Fashion-MNIST at \(fashion)") }
        let out = folder + "/lr100"
        let run = try runGraftChild(["train", "--model", "lenet5", "--data", fashion, "--optimizer", "sgd", "--lr", "100",
                                     "--per-class", "30", "--val-limit", "50", "--epochs", "2", "--out", out, "--workers", "1"])
        assertCleanExit(run, status: 1, mentions: ["diverged", "the loss is NaN at epoch 1, step ", "--lr"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: RunFiles(out).best))
    }

    /// Weights that hold NaN (masked by ReLU, so the loss stays finite) are caught before the
    /// epoch's checkpoint, under either policy, on images and on the feature cache.
    func testNaNWeightsAreNeverCheckpointed() throws {
        let data = try images(), weights = try nanWeights()
        for (freeze, policy) in [("none", "stop"), ("head", "stop"), ("none", "skip")] {
            let out = folder + "/run-\(freeze)-\(policy)"
            let run = try runGraftChild(["train", "--model", "lenet5", "--weights", weights, "--freeze", freeze, "--nonfinite", policy,
                                         "--data", data, "--out", out, "--epochs", "2", "--workers", "1", "--cache-dir", folder + "/cache"])
            assertCleanExit(run, status: 1, mentions: ["diverged", "epoch 1"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: RunFiles(out).best), out)
            XCTAssertFalse(FileManager.default.fileExists(atPath: RunFiles(out).last), out)
        }
    }

    /// `--epochs 1` on a set of four images (one step) trains with the default one-cycle
    /// schedule; a run that fails before training leaves no run folder.
    func testOneStepRunsAndAFailedRunLeavesNoFolder() throws {
        let data = try images(perClass: 2)
        let ok = try runGraftChild(["train", "--model", "lenet5", "--data", data, "--out", folder + "/one", "--epochs", "1", "--workers", "1"])
        assertCleanExit(ok, status: 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: RunFiles(folder + "/one").best))
        let text = folder + "/notes.safetensors"
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: text))
        let failed = try runGraftChild(["train", "--model", "lenet5", "--weights", text, "--data", data, "--out", folder + "/never", "--workers", "1"])
        assertCleanExit(failed, status: 1, mentions: [text])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/never"))
    }

    /// `predict --json` and `evaluate` on a checkpoint of NaN weights: NaN probabilities
    /// printed as "nan", every sample wrong (predict once trapped on the NaN in its JSON;
    /// evaluate scored 50% here by taking NaN rows for class 0).
    func testANaNCheckpointPredictsAndEvaluatesWithoutTrapping() throws {
        let data = try images()
        let spec = try ModelZoo.spec("lenet5")
        let head = HeadConfig(classes: 2)
        let model = try spec.make(head: head)
        for (_, t) in model.stateDict() { t.assign(Tensor(repeating: .nan, shape: t.shape)) }
        let checkpoint = folder + "/nan-best.safetensors"
        try saveCheckpoint(model, metadata: CheckpointMetadata(architecture: "lenet5", head: head, classNames: ["dark", "light"],
                                                               preprocessing: spec.preprocessing), to: checkpoint)
        let predict = try runGraftChild(["predict", "--model", checkpoint, "--json", "--logits", data + "/val/dark/0.png"])
        assertCleanExit(predict, status: 0)
        XCTAssertTrue(predict.stdout.contains(#""probability":"nan""#), predict.stdout)
        let evaluate = try runGraftChild(["evaluate", "--model", checkpoint, "--data", data + "/val", "--json", "--workers", "1"])
        assertCleanExit(evaluate, status: 0)
        XCTAssertTrue(evaluate.stdout.contains(#""top1":0"#), evaluate.stdout)
    }
}
