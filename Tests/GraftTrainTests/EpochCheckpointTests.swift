import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import XCTest
import GraftTestSupport
@testable import GraftTrain

/// The last checkpoint and its state are one transaction: a failure at any step leaves a pair
/// of the same epoch for `--resume`.
final class EpochCheckpointTests: XCTestCase {
    private struct Simulated: Error {}

    private var files: RunFiles!
    private let model = try! ModelZoo.spec("lenet5").make(head: HeadConfig(classes: 3))
    private lazy var optimizer = try! SGD(groups: [ParamGroup(parameters: model.parameters(), lr: 0.1)], momentum: 0.9)

    override func setUpWithError() throws {
        files = RunFiles(try temporaryFolder("epoch-checkpoint"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: files.folder)
    }

    /// Writes epoch `epoch`, failing before `failing` when given.
    private func write(epoch: Int, failing: EpochCheckpoint.Step? = nil) throws {
        var metadata = CheckpointMetadata(architecture: "lenet5", head: HeadConfig(classes: 3), classNames: ["a", "b", "c"],
                                          preprocessing: try ModelZoo.spec("lenet5").preprocessing)
        metadata.epoch = epoch
        let state = TrainingState(epoch: epoch, model: model, optimizer: optimizer, scheduler: nil, bestMetric: nil,
                                  epochsWithoutImprovement: 0, history: [], freeze: .none, unfreezing: nil)
        var checkpoint = EpochCheckpoint(files: files)
        checkpoint.beforeStep = { if $0 == failing { throw Simulated() } }
        try checkpoint.write(model: model, metadata: metadata, isBest: true, state: state)
    }

    private func epochs() throws -> (last: Int, state: Int, best: Int) {
        (try readCheckpointMetadata(files.last).epoch, try TrainingState.load(files.state).epoch,
         try readCheckpointMetadata(files.best).epoch)
    }

    /// A full disk while writing epoch 2's state (or its weights) leaves epoch 1's pair, and
    /// resuming continues after epoch 1.
    func testAFailureBeforeTheStateLeavesThePreviousEpoch() throws {
        try write(epoch: 1)
        for step in [EpochCheckpoint.Step.weights, .state] {
            XCTAssertThrowsError(try write(epoch: 2, failing: step))
            XCTAssertEqual(try readCheckpointMetadata(files.last).epoch, 1, "\(step)")
            XCTAssertEqual(try TrainingState.load(files.state).epoch, 1, "\(step)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: files.pendingLast), "\(step)")
            XCTAssertEqual(try EpochCheckpoint(files: files).resume().epoch, 1, "\(step)")
        }
    }

    /// A crash between the state and the rename leaves the pending weights, which resuming
    /// puts in place: both files then hold epoch 2.
    func testACrashAfterTheStateIsFinishedOnResume() throws {
        try write(epoch: 1)
        XCTAssertThrowsError(try write(epoch: 2, failing: .publish))
        XCTAssertEqual(try readCheckpointMetadata(files.last).epoch, 1)
        XCTAssertEqual(try EpochCheckpoint(files: files).resume().epoch, 2)
        XCTAssertEqual(try epochs().last, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: files.pendingLast))
    }

    /// A last checkpoint of another epoch than the state (no pending file to finish with) is
    /// refused, naming both files and their epochs.
    func testCheckpointAndStateOfDifferentEpochsAreRefused() throws {
        try write(epoch: 1)
        let firstState = try Data(contentsOf: URL(fileURLWithPath: files.state))
        try write(epoch: 2)
        try firstState.write(to: URL(fileURLWithPath: files.state))
        XCTAssertThrowsError(try EpochCheckpoint(files: files).resume()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("last.safetensors holds epoch 2") && text.contains("last.state.safetensors epoch 1"), text)
        }
    }
}
