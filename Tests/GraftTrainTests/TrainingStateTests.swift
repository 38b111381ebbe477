import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class TrainingStateTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "graft-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private let spec = try! ModelZoo.spec("lenet5")
    private let head = HeadConfig(classes: 4, hidden: [12], dropout: 0.5)

    /// A run: LeNet-5 with a dropout head, `--freeze last:1`, discriminative Adam, a step
    /// schedule, and gradual unfreezing every 2 epochs, at its third epoch (fc1 unfrozen).
    private struct Run {
        let model: any TransferModel
        let optimizer: Adam
        let scheduler: LRScheduler
        var unfreezing: GradualUnfreezing
    }

    /// A fresh run; `resuming` leaves the unfreezing to the restored state.
    private func makeRun(seed: UInt64, resuming: Bool = false) throws -> Run {
        GlobalRandom.seed(seed)
        let model = try spec.make(head: head)
        try FreezePolicy.last(1).apply(to: model, spec: spec)
        let optimizer = try Adam(groups: parameterGroups(model: model, spec: spec, baseLR: 1e-2, weightDecay: 1e-4, factor: 0.3))
        let scheduler = LRScheduler(optimizer, schedule: try StepLR(stepSize: 2, gamma: 0.5))
        var unfreezing = try GradualUnfreezing(every: 2)
        if !resuming { XCTAssertEqual(unfreezing.beginEpoch(3, model: model), ["fc1"]) }
        return Run(model: model, optimizer: optimizer, scheduler: scheduler, unfreezing: unfreezing)
    }

    private func step(_ run: Run, _ i: Int) throws {
        setTrainingMode(run.model)
        let x = Tensor(shape: [3, 1, 32, 32], data: (0..<(3 * 32 * 32)).map { Float(($0 * 31 + i * 7) % 97) / 48 - 1 })
        let loss = try crossEntropy(run.model(x), labels: Tensor(labels: [i % 4, (i + 1) % 4, (i + 2) % 4]))
        try loss.backward()
        try run.optimizer.step()
        run.optimizer.zeroGrad()
        run.scheduler.step()
    }

    private func bits(_ model: Module) -> [[UInt32]] {
        model.stateDict().map { $0.1.dtype == .float32 ? $0.1.toArray().map(\.bitPattern) : $0.1.int64Values.map { UInt32(truncatingIfNeeded: $0) } }
    }

    private func state(of run: Run, epoch: Int) throws -> TrainingState {
        let history = [EpochRecord(epoch: 1, trainLoss: 1.25, trainTop1: 0.5, valLoss: 1.5, valTop1: 0.25, valTop5: 1,
                                   learningRate: 0.01, seconds: 0.5, imagesPerSecond: 6)]
        return TrainingState(epoch: epoch, model: run.model, optimizer: run.optimizer, scheduler: run.scheduler, bestMetric: 0.25,
                             epochsWithoutImprovement: 1, history: history, freeze: .last(1), unfreezing: run.unfreezing)
    }

    /// After a few Adam steps the state survives the file unchanged, and an optimizer restored
    /// from it (on a model with the same weights) makes the same next step, bit for bit, dropout
    /// masks included.
    func testResumedRunStepsExactlyAsTheOriginal() throws {
        let original = try makeRun(seed: 5)
        for i in 0..<3 { try step(original, i) }
        let saved = try state(of: original, epoch: 2)
        XCTAssertEqual(saved.optimizer.entries.count, original.model.parameters().filter(\.requiresGrad).count)
        let path = directory + "/state.safetensors"
        try saved.save(to: path)
        let loaded = try TrainingState.load(path)
        XCTAssertEqual(loaded, saved)
        XCTAssertEqual(Set(loaded.dropoutGenerators.keys), ["fc3.2"])

        // The buffers are tensors shaped as their parameters, not JSON numbers.
        let file = try SafeTensors.read(path)
        XCTAssertEqual(file["optimizer.4.0.exp_avg"]?.shape, [12, 84])
        XCTAssertFalse(file.metadata[TrainingState.key]!.contains("exp_avg\":["))

        // A fresh run with the same weights, restored from the file.
        var resumed = try makeRun(seed: 99, resuming: true)
        try resumed.model.loadStateDict(original.model.stateDict())
        try loaded.restore(model: resumed.model, optimizer: resumed.optimizer, scheduler: resumed.scheduler)
        try loaded.freeze.apply(to: resumed.model, spec: spec)
        resumed.unfreezing = try XCTUnwrap(loaded.unfreezing)
        XCTAssertEqual(resumed.unfreezing.beginEpoch(3, model: resumed.model), [])
        XCTAssertEqual(resumed.model.trainableParameterCount, original.model.trainableParameterCount)
        XCTAssertEqual(GlobalRandom.generator, saved.random)
        XCTAssertEqual(resumed.scheduler.position, 3)
        XCTAssertEqual(resumed.optimizer.paramGroups.map(\.lr), original.optimizer.paramGroups.map(\.lr))
        XCTAssertEqual(resumed.optimizer.stateDict(), original.optimizer.stateDict())

        for i in 3..<5 {
            try step(original, i)
            try step(resumed, i)
            XCTAssertEqual(bits(resumed.model), bits(original.model), "step \(i)")
        }
        XCTAssertEqual(resumed.optimizer.stateDict(), original.optimizer.stateDict())
    }

    /// Without restoring, the next step differs: the test above can tell.
    func testAFreshOptimizerStepsDifferently() throws {
        let original = try makeRun(seed: 5)
        for i in 0..<3 { try step(original, i) }
        let fresh = try makeRun(seed: 5)
        try fresh.model.loadStateDict(original.model.stateDict())
        try step(original, 3)
        try step(fresh, 3)
        XCTAssertNotEqual(bits(fresh.model), bits(original.model))
    }

    func testFilesThatAreNoStateAndMismatches() throws {
        let run = try makeRun(seed: 1)
        for i in 0..<2 { try step(run, i) }
        let saved = try state(of: run, epoch: 1)
        let path = directory + "/state.safetensors"

        try saveWeights(run.model, to: path)
        XCTAssertThrowsError(try TrainingState.load(path)) { error in
            XCTAssertEqual("\(error)", "\(path) is not a Graft training state (it has no 'graft.training_state' metadata)")
        }

        // A buffer tensor missing from the file.
        try saved.save(to: path)
        let file = try SafeTensors.read(path)
        try SafeTensors.write(file.tensors.filter { $0.0 != "optimizer.4.0.exp_avg_sq" }, metadata: file.metadata, to: path)
        XCTAssertThrowsError(try TrainingState.load(path)) { error in
            XCTAssertEqual("\(error)", "\(path): tensor 'optimizer.4.0.exp_avg_sq' is missing")
        }
        try SafeTensors.write(file.tensors + [("extra", Tensor.zeros([2]))], metadata: file.metadata, to: path)
        XCTAssertThrowsError(try TrainingState.load(path)) { error in
            XCTAssertEqual("\(error)", "\(path): tensor 'extra' is not part of the optimizer's state")
        }
        try SafeTensors.write(file.tensors, metadata: [TrainingState.key: "{\"epoch\": 1}"], to: path)
        XCTAssertThrowsError(try TrainingState.load(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): bad metadata: missing field '"), "\(error)")
        }

        // Restoring into a run that does not fit changes nothing.
        let other = try spec.make(numClasses: 4)
        let sgd = try SGD(parameters: other.parameters(), lr: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try saved.restore(model: other, optimizer: sgd, scheduler: nil))
        let fresh = try makeRun(seed: 2)
        let generator = GlobalRandom.generator
        XCTAssertThrowsError(try saved.restore(model: fresh.model, optimizer: fresh.optimizer, scheduler: nil)) { error in
            XCTAssertEqual("\(error)", "training state: the run has no scheduler")
        }
        XCTAssertEqual(GlobalRandom.generator, generator)
        XCTAssertEqual(fresh.optimizer.stateDict().entries.count, 0)
    }

    /// Saving over a previous state replaces it whole and leaves no temporary file; a failed
    /// save leaves the previous one.
    func testSavingIsAtomic() throws {
        let run = try makeRun(seed: 1)
        try step(run, 0)
        let path = directory + "/state.safetensors"
        try state(of: run, epoch: 1).save(to: path)
        try step(run, 1)
        try state(of: run, epoch: 2).save(to: path)
        XCTAssertEqual(try TrainingState.load(path).epoch, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["state.safetensors"])
        XCTAssertThrowsError(try state(of: run, epoch: 3).save(to: directory + "/gone/state.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("gone/state.safetensors"), "\(error)")
        }
        XCTAssertEqual(try TrainingState.load(path).epoch, 2)
    }
}
