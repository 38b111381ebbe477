import Foundation
import GraftCore
import GraftIO
import GraftNN

/// Everything besides the weights that a run needs to continue exactly where it stopped: the
/// epochs finished, the optimizer's and the schedule's state, the random generators (the
/// process-wide one and each dropout layer's), early stopping's figures, the history and the
/// freezing. The weights live in the run's last checkpoint, whose epoch this state's matches.
///
/// Saved as a safetensors file: the optimizer's per-parameter buffers as float32 tensors named
/// `optimizer.<group>.<index>.<buffer>` (shaped as their parameter), the rest as JSON under the
/// metadata key `graft.training_state`.
public struct TrainingState: Sendable, Equatable {
    /// The safetensors metadata key.
    public static let key = "graft.training_state"
    /// The format this version of Graft writes; newer ones are refused.
    public static let currentFormatVersion = 1

    /// Epochs finished (counted from 1; the run continues with `epoch + 1`).
    public var epoch: Int
    public var optimizer: OptimizerState
    public var scheduler: LRSchedulerState?
    /// `GlobalRandom.generator` at the end of the epoch.
    public var random: RandomGenerator
    /// Each dropout layer's generator, by module path.
    public var dropoutGenerators: [String: RandomGenerator]
    /// The best validation figure so far, for early stopping and the best checkpoint.
    public var bestMetric: Double?
    public var epochsWithoutImprovement: Int
    public var history: [EpochRecord]
    public var freeze: FreezePolicy
    public var unfreezing: GradualUnfreezing?

    public init(epoch: Int, optimizer: OptimizerState, scheduler: LRSchedulerState?, random: RandomGenerator,
                dropoutGenerators: [String: RandomGenerator], bestMetric: Double?, epochsWithoutImprovement: Int,
                history: [EpochRecord], freeze: FreezePolicy, unfreezing: GradualUnfreezing?) {
        self.epoch = epoch; self.optimizer = optimizer; self.scheduler = scheduler; self.random = random
        self.dropoutGenerators = dropoutGenerators; self.bestMetric = bestMetric
        self.epochsWithoutImprovement = epochsWithoutImprovement; self.history = history
        self.freeze = freeze; self.unfreezing = unfreezing
    }

    /// The state of a run now: `optimizer`'s and `scheduler`'s, `GlobalRandom.generator` and
    /// the generators of `model`'s dropout layers, with the given figures.
    public init(epoch: Int, model: Module, optimizer: Optimizer, scheduler: LRScheduler?, bestMetric: Double?,
                epochsWithoutImprovement: Int, history: [EpochRecord], freeze: FreezePolicy, unfreezing: GradualUnfreezing?) {
        var generators: [String: RandomGenerator] = [:]
        for (path, m) in model.namedModules() {
            if let d = m as? Dropout { generators[path] = d.generator }
        }
        self.init(epoch: epoch, optimizer: optimizer.stateDict(), scheduler: scheduler?.stateDict(), random: GlobalRandom.generator,
                  dropoutGenerators: generators, bestMetric: bestMetric, epochsWithoutImprovement: epochsWithoutImprovement,
                  history: history, freeze: freeze, unfreezing: unfreezing)
    }

    /// Puts the state back into a fresh run: `optimizer` (same type, groups and shapes),
    /// `scheduler`, `GlobalRandom.generator` and the dropout generators of `model` (the same
    /// dropout layers). Freezing is the caller's: apply `freeze`, then `unfreezing`'s
    /// `beginEpoch(epoch + 1, …)`. Throws, changing nothing, when the parts do not fit.
    public func restore(model: Module, optimizer: Optimizer, scheduler: LRScheduler?) throws {
        let op = "training state"
        let dropouts = model.namedModules().compactMap { path, m in (m as? Dropout).map { (path, $0) } }
        guard Set(dropouts.map(\.0)) == Set(dropoutGenerators.keys) else {
            throw GraftError.invalidArgument(op: op, detail: "the state has dropout generators for [\(dropoutGenerators.keys.sorted().joined(separator: ", "))], the model dropout layers [\(dropouts.map(\.0).joined(separator: ", "))]")
        }
        guard (scheduler == nil) == (self.scheduler == nil) else {
            throw GraftError.invalidArgument(op: op, detail: self.scheduler == nil ? "the state has no scheduler state" : "the run has no scheduler")
        }
        let previous = optimizer.stateDict()
        try optimizer.loadState(self.optimizer)
        if let scheduler, let state = self.scheduler {
            do {
                try scheduler.loadState(state)
            } catch {
                try optimizer.loadState(previous)
                throw error
            }
        }
        for (path, d) in dropouts { d.generator = dropoutGenerators[path]! }
        GlobalRandom.generator = random
    }

    // MARK: File

    /// The JSON part: everything but the optimizer's buffers, which become tensors.
    private struct Header: Codable {
        struct Entry: Codable {
            var group: Int
            var index: Int
            var step: Int
            var buffers: [String]
        }

        var formatVersion: Int
        var epoch: Int
        var optimizer: String
        var optimizerGroups: [OptimizerState.Group]
        var optimizerEntries: [Entry]
        var scheduler: LRSchedulerState?
        var random: RandomGenerator
        var dropoutGenerators: [String: RandomGenerator]
        var bestMetric: Double?
        var epochsWithoutImprovement: Int
        var history: [EpochRecord]
        var freeze: FreezePolicy
        var unfreezing: GradualUnfreezing?
    }

    private static func tensorName(_ e: Header.Entry, _ buffer: String) -> String {
        "optimizer.\(e.group).\(e.index).\(buffer)"
    }

    /// Writes the state to `path` atomically (temporary file, fsync, rename): a crash or a full
    /// disk leaves the previous file.
    public func save(to path: String) throws {
        var tensors: [(String, Tensor)] = []
        var entries: [Header.Entry] = []
        for e in optimizer.entries {
            let names = e.buffers.keys.sorted()
            let entry = Header.Entry(group: e.group, index: e.index, step: e.step, buffers: names)
            entries.append(entry)
            let shape = optimizer.groups.indices.contains(e.group) && optimizer.groups[e.group].shapes.indices.contains(e.index)
                ? optimizer.groups[e.group].shapes[e.index] : []
            for name in names {
                let values = e.buffers[name]!
                let fits = shape.reduce(1, *) == values.count && !shape.isEmpty
                tensors.append((Self.tensorName(entry, name), Tensor(shape: fits ? shape : [values.count], data: values)))
            }
        }
        let header = Header(formatVersion: Self.currentFormatVersion, epoch: epoch, optimizer: optimizer.optimizer,
                            optimizerGroups: optimizer.groups, optimizerEntries: entries, scheduler: scheduler, random: random,
                            dropoutGenerators: dropoutGenerators, bestMetric: bestMetric,
                            epochsWithoutImprovement: epochsWithoutImprovement, history: history, freeze: freeze,
                            unfreezing: unfreezing)
        try SafeTensors.write(tensors, metadata: [Self.key: try MetadataJSON.encode(header)], to: path)
    }

    /// Reads a state written by `save(to:)`. Errors name the file and the field or tensor at fault.
    public static func load(_ path: String) throws -> TrainingState {
        guard try WeightFormat.detect(path) == .safetensors else { throw CheckpointError.notATrainingState(file: path) }
        let file = try SafeTensors.read(path)
        guard let text = file.metadata[key] else { throw CheckpointError.notATrainingState(file: path) }
        let header = try MetadataJSON.decode(Header.self, from: text, file: path)
        guard header.formatVersion <= currentFormatVersion else {
            throw CheckpointError.badMetadata(file: path, reason: "format version \(header.formatVersion) is newer than this Graft reads (\(currentFormatVersion))")
        }
        var remaining = Dictionary(file.tensors, uniquingKeysWith: { a, _ in a })
        var entries: [OptimizerState.Entry] = []
        for e in header.optimizerEntries {
            var buffers: [String: [Float]] = [:]
            for name in e.buffers {
                let key = tensorName(e, name)
                guard let t = remaining.removeValue(forKey: key) else {
                    throw CheckpointError.tensorMismatch(file: path, key: key, reason: "is missing")
                }
                guard t.dtype == .float32 else {
                    throw CheckpointError.tensorMismatch(file: path, key: key, reason: "must hold float32 values")
                }
                buffers[name] = t.toArray()
            }
            entries.append(OptimizerState.Entry(group: e.group, index: e.index, step: e.step, buffers: buffers))
        }
        if let extra = remaining.keys.sorted().first {
            throw CheckpointError.tensorMismatch(file: path, key: extra, reason: "is not part of the optimizer's state")
        }
        return TrainingState(epoch: header.epoch,
                             optimizer: OptimizerState(optimizer: header.optimizer, groups: header.optimizerGroups, entries: entries),
                             scheduler: header.scheduler, random: header.random, dropoutGenerators: header.dropoutGenerators,
                             bestMetric: header.bestMetric, epochsWithoutImprovement: header.epochsWithoutImprovement,
                             history: header.history, freeze: header.freeze, unfreezing: header.unfreezing)
    }
}
