import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// Collects what a run reports.
final class CollectingReporter: RunReporter {
    var start: RunStart?
    var notes: [String] = []
    var epochs: [EpochRecord] = []
    var summary: TransferSummary?
    func started(_ start: RunStart) { self.start = start }
    func note(_ text: String) { notes.append(text) }
    func progress(_ progress: BatchProgress) {}
    func epochFinished(_ record: EpochRecord, epochs: Int) { self.epochs.append(record) }
    func finished(_ summary: TransferSummary) { self.summary = summary }
}

/// An ImageFolder of `perClass` noisy 40×40 RGB images for each of three classes that differ
/// in colour and stripe direction: learnable in a few epochs.
func makeSyntheticImageFolder(perClass: Int = 12, seed: UInt64 = 1) throws -> String {
    let root = try temporaryFolder("images")
    var generator = RandomGenerator(seed: seed)
    for (c, name) in ["red-rows", "green-columns", "blue-plain"].enumerated() {
        try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        for i in 0..<perClass {
            var pixels = [UInt8](repeating: 0, count: 40 * 40 * 3)
            for y in 0..<40 {
                for x in 0..<40 {
                    let stripe = c == 0 ? (y / 4) % 2 : c == 1 ? (x / 4) % 2 : 0
                    for k in 0..<3 {
                        let base = k == c ? 170 : 60
                        pixels[(y * 40 + x) * 3 + k] = UInt8(clamping: base + stripe * 50 + Int(generator.uniform(-30, 30)))
                    }
                }
            }
            try Image(width: 40, height: 40, channels: 3, pixels: pixels).writePNG(to: "\(root)/\(name)/\(i).png")
        }
    }
    return root
}

final class TransferTrainingTests: XCTestCase {
    /// The acceptance run: `graft train --model lenet5 --data …/fashion-mnist --epochs 10`
    /// reaches at least 89% on the 10,000 test images, with the loader keeping up.
    func testLeNet5ReachesEightyNinePercentInTenEpochs() throws {
        try requireFashionMNIST()
        let out = try temporaryFolder("lenet")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var o = TransferOptions(model: "lenet5", data: fashionMNISTDirectory)
        o.out = out
        o.batchSize = 64
        let reporter = CollectingReporter()
        let summary = try runTransferTraining(o, reporter: reporter)
        XCTAssertEqual(reporter.epochs.count, 10)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(summary.testTop1), 0.89)
        XCTAssertLessThan(reporter.epochs.last!.trainLoss, reporter.epochs.first!.trainLoss)
        print("LeNet-5 data wait per epoch:", reporter.epochs.map { $0.dataWait ?? -1 })
    }

    /// Stopping after epoch 2 and resuming gives the same final weights, bit for bit, as an
    /// uninterrupted run (dropout in the head exercises the saved random state).
    func testResumeEqualsAnUninterruptedRun() throws {
        let data = try makeSyntheticImageFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        func options(_ out: String) -> TransferOptions {
            var o = TransferOptions(model: "resnet18", data: data)
            o.weights = "none"; o.out = out; o.epochs = 4; o.batchSize = 8; o.imageSize = 32; o.hidden = [16]; o.dropout = 0.5
            o.augment = "random-resized-crop(32), hflip"; o.valFraction = 0.25; o.workers = 2; o.seed = 3
            return o
        }
        let whole = try temporaryFolder("whole"), parts = try temporaryFolder("parts")
        defer { for f in [whole, parts] { try? FileManager.default.removeItem(atPath: f) } }
        _ = try runTransferTraining(options(whole), reporter: CollectingReporter())
        var first = options(parts)
        first.stopAfter = 2
        let interrupted = try runTransferTraining(first, reporter: CollectingReporter())
        XCTAssertEqual(interrupted.epochs, 2)
        var second = options(parts)
        second.resume = true
        let resumed = CollectingReporter()
        _ = try runTransferTraining(second, reporter: resumed)
        XCTAssertEqual(resumed.epochs.map(\.epoch), [3, 4])
        let a = try readWeights(whole + "/last.safetensors"), b = try readWeights(parts + "/last.safetensors")
        XCTAssertEqual(a.map(\.0), b.map(\.0))
        for ((name, x), (_, y)) in zip(a, b) where x.dtype == .float32 {
            XCTAssertEqual(x.toArray(), y.toArray(), name)
        }
        let log = try String(contentsOfFile: parts + "/log.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("\"event\":\"epoch\"") }.count, 4)
    }

    /// With `--freeze last:1` on a pretrained file, the frozen BatchNorm layers' statistics are
    /// bit-identical after training while the trained stage's move.
    func testFrozenBatchNormStatisticsDoNotMove() throws {
        let data = try makeSyntheticImageFolder()
        let out = try temporaryFolder("frozen")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        GlobalRandom.seed(9)
        let pretrained = try ModelZoo.spec("resnet18").make(numClasses: 1000)
        for (name, buffer) in pretrained.namedBuffers() where name.hasSuffix("running_mean") {
            buffer.assign(Tensor(shape: buffer.shape, data: (0..<buffer.count).map { Float($0 % 7) * 0.01 }))
        }
        try saveWeights(pretrained, to: out + "/pretrained.safetensors")
        var o = TransferOptions(model: "resnet18", data: data)
        o.weights = out + "/pretrained.safetensors"; o.freeze = .last(1); o.out = out + "/run"
        o.epochs = 2; o.batchSize = 8; o.imageSize = 32; o.workers = 2
        _ = try runTransferTraining(o, reporter: CollectingReporter())
        let after = try readWeights(out + "/run/last.safetensors")
        let before = Dictionary(uniqueKeysWithValues: pretrained.stateDict().map { ($0.0, $0.1) })
        var moved = 0
        for (name, tensor) in after where name.contains("running_") || name.hasSuffix("num_batches_tracked") {
            let old = try XCTUnwrap(before[name])
            if name.hasPrefix("layer4.") {
                if tensor.dtype == .float32, tensor.toArray() != old.toArray() { moved += 1 }
            } else if tensor.dtype == .float32 {
                XCTAssertEqual(tensor.toArray(), old.toArray(), name)
            } else {
                XCTAssertEqual(tensor.int64Values, old.int64Values, name)
            }
        }
        XCTAssertGreaterThan(moved, 0, "the trained stage's statistics should move")
    }

    /// `--freeze head` trains on cached features; a second run reads them back; the checkpoint
    /// it writes predicts on its own.
    func testFeatureCacheIsComputedOnceAndReused() throws {
        let data = try makeSyntheticImageFolder()
        let out = try temporaryFolder("cache")
        defer { for f in [data, out] { try? FileManager.default.removeItem(atPath: f) } }
        GlobalRandom.seed(4)
        try saveWeights(try ModelZoo.spec("resnet18").make(numClasses: 1000), to: out + "/pretrained.safetensors")
        var o = TransferOptions(model: "resnet18", data: data)
        o.weights = out + "/pretrained.safetensors"; o.out = out + "/run"; o.cacheDirectory = out + "/cache"
        o.epochs = 3; o.batchSize = 8; o.imageSize = 32; o.workers = 2; o.cacheViews = 2
        o.augment = "random-resized-crop(32), hflip"
        let first = CollectingReporter()
        let summary = try runTransferTraining(o, reporter: first)
        XCTAssertNotNil(summary.trunkSeconds)
        XCTAssertTrue(first.notes.contains { $0.contains("computed 2 × 512 features") }, "\(first.notes)")
        let second = CollectingReporter()
        o.overwrite = true
        let again = try runTransferTraining(o, reporter: second)
        XCTAssertTrue(second.notes.contains { $0.contains("read 2 × 512 features") }, "\(second.notes)")
        XCTAssertEqual(summary.valTop1, again.valTop1)
        let checkpoint = try loadCheckpoint(summary.checkpoint)
        XCTAssertEqual(checkpoint.metadata.classNames, ["blue-plain", "green-columns", "red-rows"])
    }

    func testBadInputIsNamedBeforeTraining() throws {
        let data = try makeSyntheticImageFolder(perClass: 3)
        defer { try? FileManager.default.removeItem(atPath: data) }
        func failure(_ change: (inout TransferOptions) -> Void) -> String {
            var o = TransferOptions(model: "resnet18", data: data)
            o.weights = "none"
            o.out = FileManager.default.temporaryDirectory.appendingPathComponent("graft-never-\(UUID())").path
            change(&o)
            do {
                _ = try runTransferTraining(o, reporter: CollectingReporter())
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(failure { $0.model = "resnet9000" }.contains("resnet9000"))
        XCTAssertTrue(failure { $0.weights = "/nonexistent/w.pth" }.contains("/nonexistent/w.pth"))
        XCTAssertTrue(failure { $0.freeze = .last(99) }.contains("last:99"))
        XCTAssertTrue(failure { $0.freeze = .prefixes(["layer9"]) }.contains("layer9"))
        XCTAssertTrue(failure { $0.augment = "spin(3)" }.contains("spin"))
        XCTAssertTrue(failure { $0.bnMomentum = 0 }.contains("`bnMomentum`"))
        // Mismatched weights: a LeNet file for a ResNet.
        let lenet = data + "/../lenet-\(UUID()).safetensors"
        try saveWeights(try LeNet5(), to: lenet)
        defer { try? FileManager.default.removeItem(atPath: lenet) }
        XCTAssertTrue(failure { $0.weights = lenet }.contains("conv1.weight"))
        // One class only.
        let one = try temporaryFolder("one")
        defer { try? FileManager.default.removeItem(atPath: one) }
        try FileManager.default.createDirectory(atPath: one + "/only", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: data + "/red-rows/0.png", toPath: one + "/only/0.png")
        XCTAssertTrue(failure { $0.data = one }.contains("at least two"))
    }

    func testCorruptIDXFileIsNamed() throws {
        let dir = try temporaryFolder("bad-idx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([0, 0, 8, 3, 0, 0]))
        }
        XCTAssertThrowsError(try IDXDataset(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("train-images-idx3-ubyte"), "\(error)")
        }
    }
}
