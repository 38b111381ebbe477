import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftNN

extension RunFiles {
    /// The last checkpoint of an epoch whose state is not yet written (see `EpochCheckpoint`).
    public var pendingLast: String { (folder as NSString).appendingPathComponent("last.pending.safetensors") }
}

/// Writes an epoch's checkpoint files as one transaction, so that `last.safetensors` and
/// `last.state.safetensors` always belong to the same epoch: the weights go to
/// `last.pending.safetensors`, then the best checkpoint (when the epoch is the best), then the
/// state (the commit: each file atomic), and only then is the pending file renamed over `last`.
/// A failure before the state leaves the previous epoch's pair; a crash after it leaves the
/// pending file, which `resume()` renames into place.
struct EpochCheckpoint {
    /// The points where writing can fail, in order.
    enum Step { case weights, best, state, publish }

    let files: RunFiles
    /// Called before each step; tests throw from it to simulate a full disk or a crash there.
    var beforeStep: (Step) throws -> Void = { _ in }

    /// Commits epoch `metadata.epoch`: `model` as the last checkpoint (and the best one when
    /// `isBest`) and `state`, whose epoch must be the metadata's.
    func write(model: Module, metadata: CheckpointMetadata, isBest: Bool, state: TrainingState) throws {
        guard state.epoch == metadata.epoch else {
            throw GraftError.invalidState("the state of epoch \(state.epoch) cannot go with the checkpoint of epoch \(metadata.epoch)")
        }
        do {
            try beforeStep(.weights)
            try saveCheckpoint(model, metadata: metadata, to: files.pendingLast)
            if isBest {
                try beforeStep(.best)
                try saveCheckpoint(model, metadata: metadata, to: files.best)
            }
            try beforeStep(.state)
            try state.save(to: files.state)
        } catch {
            try? FileManager.default.removeItem(atPath: files.pendingLast)
            throw error
        }
        try beforeStep(.publish)
        try publishPending()
    }

    /// The saved state of the run, after making sure `last.safetensors` is the checkpoint of
    /// the same epoch: a pending checkpoint of the state's epoch (a crash between the commit
    /// and the rename) is renamed into place, a stale one removed. Throws, naming both files
    /// and their epochs, when they still disagree.
    func resume() throws -> TrainingState {
        let state = try TrainingState.load(files.state)
        let manager = FileManager.default
        if manager.fileExists(atPath: files.pendingLast) {
            if (try? readCheckpointMetadata(files.pendingLast).epoch) == state.epoch {
                try publishPending()
            } else {
                try manager.removeItem(atPath: files.pendingLast)
            }
        }
        let lastEpoch = try readCheckpointMetadata(files.last).epoch
        guard lastEpoch == state.epoch else {
            throw ResumeError(description: "\(files.last) holds epoch \(lastEpoch) but \(files.state) epoch \(state.epoch): the run stopped while saving them and cannot continue exactly; start it again with `overwrite`")
        }
        return state
    }

    private func publishPending() throws {
        guard rename(files.pendingLast, files.last) == 0 else {
            throw DataError.unwritable(file: files.last, reason: "renaming \(files.pendingLast) over it: " + errnoText())
        }
    }
}
