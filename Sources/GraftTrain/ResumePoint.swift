import Foundation
import GraftNN

/// Why a resumed run cannot continue; the message names the options (in backquotes) or files at fault.
public struct ResumeError: Error, CustomStringConvertible {
    public let description: String
}

/// A recipe entry whose value differs between a run's saved recipe and the resumed one (nil: unset).
public struct RecipeChange: Codable, Sendable, Equatable {
    /// The entry as the run's log and recipe name it: its flag spelling (`ResumePoint.flagNames`).
    public var flag: String
    public var old: String?
    public var new: String?
    /// The recipe key of the entry.
    var key: String { ResumePoint.recipeKeys[String(flag.drop { $0 == "-" })] ?? String(flag.drop { $0 == "-" }) }

    /// The change as the log, the recipe and the report record it.
    var record: String { "\(flag) \(old ?? "unset") → \(new ?? "unset")" }
    /// The change for an error message: the option in backquotes, its old and new value.
    var text: String {
        let name = TrainingOption(recipeKey: key).map { "`\($0.rawValue)`" } ?? key
        return "\(name) \(old ?? "unset") → \(new ?? "unset")"
    }
}

/// The run a resumed run continues: its saved state (with `last.safetensors` of the same epoch)
/// and how the new options differ from the recipe in that checkpoint. Changing `epochs`,
/// `patience`, `skipBad`, `weights` (the checkpoint replaces them) or `workers` is free; an
/// option that shapes the saved state (`model`, `optimizer`, `freeze`, …) can never change;
/// any other change breaks exactness and needs `resumeWithChanges`.
struct ResumePoint {
    let state: TrainingState
    let changes: [RecipeChange]
    /// The saved recipe's record of earlier changes, continued by `recipe(adding:)`.
    private let earlierChanges: String?

    /// The recipe key that lists the changes accepted on resuming.
    static let changesKey = "resume-changes"
    static let free: Set<String> = ["epochs", "patience", "skip-bad", "weights", "out"]
    static let structural: Set<String> = ["model", "optimizer", "freeze", "hidden", "dropout", "schedule", "unfreeze-every"]
    /// Recipe keys whose entry in logs and recipes is spelled otherwise.
    static let flagNames = ["learning-rate": "lr", "feature-cache": "no-cache"]
    /// `flagNames` read backwards.
    static let recipeKeys = Dictionary(uniqueKeysWithValues: flagNames.map { ($0.value, $0.key) })

    init(files: RunFiles, options: TransferOptions, recipe: [String: String]) throws {
        state = try EpochCheckpoint(files: files).resume()
        (changes, earlierChanges) = try Self.changes(files: files, options: options, recipe: recipe)
    }

    /// How `recipe` differs from the one saved in the run's last checkpoint, and the saved
    /// record of earlier changes. Throws `TrainingOptionError`, naming the options with their old
    /// and new values, for another model, a change that can never be made, or one that breaks
    /// exactness without `resumeWithChanges`.
    static func changes(files: RunFiles, options: TransferOptions,
                        recipe: [String: String]) throws -> (changes: [RecipeChange], earlier: String?) {
        let saved = try readCheckpointMetadata(files.last)
        guard saved.architecture == options.model else {
            throw TrainingOptionError(.model, "\(options.model) cannot resume '\(files.folder)': its run trains \(saved.architecture) (resume with `model` \(saved.architecture), or start a new run with another `out`)")
        }
        let keys = Set(saved.recipe.keys).union(recipe.keys).subtracting([changesKey]).sorted()
        let differing = keys.filter { saved.recipe[$0] != recipe[$0] }
        func change(_ key: String) -> RecipeChange {
            RecipeChange(flag: "--" + (flagNames[key] ?? key), old: saved.recipe[key], new: recipe[key])
        }
        let fixed = differing.filter(structural.contains).map(change)
        guard fixed.isEmpty else {
            throw TrainingOptionError(.resume, "cannot change \(fixed.map(\.text).joined(separator: ", ")): the saved weights and optimizer state of '\(files.folder)' are made for the old value\(fixed.count == 1 ? "" : "s"); give the run's values, or start a new run with another `out`")
        }
        let breaking = differing.filter { !free.contains($0) }.map(change)
        guard breaking.isEmpty || options.resumeWithChanges else {
            throw TrainingOptionError(.resume, "would change \(breaking.map(\.text).joined(separator: ", ")), and the run in '\(files.folder)' would not continue exactly; give the run's values, or add `resumeWithChanges` to continue with the new ones (recorded in log.jsonl and the checkpoints' recipe)")
        }
        return (differing.map(change), saved.recipe[changesKey])
    }

    /// Refuses data whose classes differ from the run's.
    func check(classNames: [String], files: RunFiles) throws {
        let saved = try readCheckpointMetadata(files.last).classNames
        if let difference = classNamesDifference(saved, classNames) {
            throw ResumeError(description: "`data` has other classes than the run in '\(files.folder)' (\(difference)); resume with the run's data")
        }
    }

    /// `recipe` with this resume's changes appended to the earlier ones, under `changesKey`.
    func recipe(adding recipe: [String: String]) -> [String: String] {
        let now = changes.isEmpty ? nil : "after epoch \(state.epoch): " + changes.map(\.record).joined(separator: ", ")
        let all = [earlierChanges, now].compactMap { $0 }
        var result = recipe
        if !all.isEmpty { result[Self.changesKey] = all.joined(separator: "; ") }
        return result
    }

    /// Restores the state into a fresh run's `optimizer` and `scheduler`; a changed learning
    /// rate, `lrFactor` or weight decay (accepted by `resumeWithChanges`) then replaces the
    /// saved base rates and decays, so the schedule continues from its position with them.
    func restore(model: Module, optimizer: Optimizer, scheduler: LRScheduler?) throws {
        var state = self.state
        if changes.contains(where: { ["learning-rate", "lr-factor", "weight-decay"].contains($0.key) }) {
            let fresh = optimizer.paramGroups
            for i in state.optimizer.groups.indices where fresh.indices.contains(i) {
                state.optimizer.groups[i].lr = fresh[i].lr
                state.optimizer.groups[i].weightDecay = fresh[i].weightDecay
            }
            if let bases = scheduler?.stateDict().baseLRs { state.scheduler?.baseLRs = bases }
        }
        try state.restore(model: model, optimizer: optimizer, scheduler: scheduler)
    }

    /// The `log.jsonl` line of this resume.
    var logLine: String {
        struct Event: Encodable { let afterEpoch: Int; let changes: [RecipeChange] }
        return jsonLine(event: "resume", Event(afterEpoch: state.epoch, changes: changes))
    }
}
