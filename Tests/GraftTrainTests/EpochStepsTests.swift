import Foundation
import GraftCore
import GraftData
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// Counts the steps each epoch reports.
final class StepCountingReporter: RunReporter {
    var steps: [Int: Int] = [:]
    var batches: [Int: Int] = [:]
    var epochs: [EpochRecord] = []
    var notes: [String] = []
    func started(_ start: RunStart) {}
    func note(_ text: String) { notes.append(text) }
    func progress(_ p: BatchProgress) { steps[p.epoch, default: 0] += 1; batches[p.epoch] = p.batches }
    func epochFinished(_ record: EpochRecord, epochs: Int) { self.epochs.append(record) }
    func finished(_ summary: TransferSummary) {}
}

/// An ImageFolder of 32×32 grey images of three classes: `train/` with `train` images in all
/// (spread over the classes), `val/` with one per class.
func makeSplitImageFolder(train: Int) throws -> String {
    let root = try temporaryFolder("split")
    var generator = RandomGenerator(seed: 5)
    for (folder, count) in [("train", train), ("val", 3)] {
        for i in 0..<count {
            let c = i % 3, name = ["plain", "rows", "columns"][c]
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)/\(name)", withIntermediateDirectories: true)
            let pixels = (0..<(32 * 32)).map { p -> UInt8 in
                let stripe = c == 0 ? 0 : c == 1 ? (p / 32 / 4) % 2 : (p % 32 / 4) % 2
                return UInt8(clamping: 60 + 120 * stripe + Int(generator.uniform(-20, 20)))
            }
            try Image(width: 32, height: 32, channels: 1, pixels: pixels).writePNG(to: "\(root)/\(folder)/\(name)/\(i).png")
        }
    }
    return root
}

/// One definition of an epoch's steps for every trainer and the schedule (issue 13, defects 7 and 9).
final class EpochStepsTests: XCTestCase {
    func testBatchesPerEpoch() {
        let counts = [(8, 4, 2), (9, 4, 2), (10, 4, 3), (1, 4, 1), (5, 4, 1), (3, 1, 3), (4, 4, 1)]
        for (images, batchSize, steps) in counts {
            let batches = TrainingBatches(images: images, batchSize: batchSize)
            XCTAssertEqual(batches.perEpoch, steps, "\(images) images in batches of \(batchSize)")
            XCTAssertEqual(batches.order(epoch: 1, seed: 0).batches.count, steps, "\(images) images in batches of \(batchSize)")
        }
    }

    /// Training sets of 8, 9 and 10 images (≡ 0, 1, 2 mod the batch of 4), on the feature
    /// cache and on images: every epoch runs the steps the one-cycle schedule was sized for, so
    /// epoch 2 starts at the schedule's midpoint (the cached trainer once ran 3 steps of a
    /// schedule sized for 2 and ended a 2-epoch run at its floor).
    func testEveryTrainerRunsTheStepsTheScheduleWasSizedFor() throws {
        let cache = try temporaryFolder("cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        for images in [8, 9, 10] {
            let data = try makeSplitImageFolder(train: images)
            defer { try? FileManager.default.removeItem(atPath: data) }
            for cached in [true, false] {
                let out = try temporaryFolder("steps")
                defer { try? FileManager.default.removeItem(atPath: out) }
                var o = TransferOptions(model: "lenet5", data: data)
                o.out = out; o.epochs = 2; o.batchSize = 4; o.workers = 1; o.cacheDirectory = cache
                o.freeze = cached ? .head : FreezePolicy.none
                let reporter = StepCountingReporter()
                _ = try runTransferTraining(o, reporter: reporter)
                let steps = TrainingBatches(images: images, batchSize: 4).perEpoch
                let what = "\(images) images, \(cached ? "cached features" : "images")"
                XCTAssertEqual(reporter.notes.contains { $0.hasPrefix("feature cache") }, cached, what)
                XCTAssertEqual(reporter.steps, [1: steps, 2: steps], what)
                XCTAssertEqual(reporter.batches, [1: steps, 2: steps], what)
                let midpoint = Double(o.learningRate) * (try OneCycle(totalSteps: 2 * steps)).factor(at: steps)
                XCTAssertEqual(Double(reporter.epochs[1].learningRate), midpoint, accuracy: midpoint * 1e-5, what)
            }
        }
    }

    /// `--epochs 1` on a set of three images is one step: every schedule trains it.
    func testOneStepTrainsWithEverySchedule() throws {
        let data = try makeSplitImageFolder(train: 3)
        defer { try? FileManager.default.removeItem(atPath: data) }
        for schedule in ScheduleChoice.allCases {
            let out = try temporaryFolder("one-step")
            defer { try? FileManager.default.removeItem(atPath: out) }
            var o = TransferOptions(model: "lenet5", data: data)
            o.out = out; o.epochs = 1; o.schedule = schedule; o.workers = 1
            let reporter = StepCountingReporter()
            XCTAssertNoThrow(try runTransferTraining(o, reporter: reporter), schedule.rawValue)
            XCTAssertEqual(reporter.steps, [1: 1], schedule.rawValue)
            XCTAssertEqual(reporter.epochs.first?.learningRate, o.learningRate, schedule.rawValue)
        }
    }

    /// A run that fails before training (here: weights that are no weight file) leaves no run folder.
    func testAFailedRunLeavesNoFolder() throws {
        let data = try makeSplitImageFolder(train: 3)
        let scratch = try temporaryFolder("no-folder")
        defer { for path in [data, scratch] { try? FileManager.default.removeItem(atPath: path) } }
        let weights = scratch + "/weights.safetensors"
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: weights))
        var o = TransferOptions(model: "lenet5", data: data)
        o.out = scratch + "/run"; o.weights = weights; o.workers = 1
        XCTAssertThrowsError(try runTransferTraining(o, reporter: StepCountingReporter()))
        XCTAssertFalse(FileManager.default.fileExists(atPath: o.out))
    }
}
