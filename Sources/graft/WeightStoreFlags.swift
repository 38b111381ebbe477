import ArgumentParser
import Foundation
import GraftHub
import GraftModels
import GraftTrain

/// The flags of every command that fetches published weights: where else to find them, whether
/// to go online, and the lock file they must match. They win over the environment
/// (`GRAFT_WEIGHTS_MIRROR`, `GRAFT_OFFLINE`, `graft.lock` in the current folder).
struct WeightStoreFlags: ParsableArguments {
    @Option(name: .customLong("weights-mirror"), help: ArgumentHelp("A folder or http(s) base URL holding weight files under their canonical names (default $GRAFT_WEIGHTS_MIRROR).", valueName: "DIR|URL"))
    var mirror: String?
    @Flag(help: "Never open a connection: use the cache, torch hub's cache or a mirror folder (default: GRAFT_OFFLINE=1).")
    var offline = false
    @Option(help: ArgumentHelp("A lock file whose SHA-256 pins every fetched file must match (default: graft.lock in the current folder).", valueName: "FILE"))
    var lock: String?

    /// The weight store these flags and the environment configure.
    func store() throws -> WeightStore {
        WeightStore(settings: try WeightStoreSettings.resolve(mirror: mirror, offline: offline, lockFile: lock))
    }
}

extension WeightStoreFlags {
    /// `argument` (`--weights`; nil: the default set) resolved for `spec`; a published set is
    /// fetched through the store, a download's progress shown on standard error.
    func choose(_ argument: String?, for spec: ModelSpec) throws -> ChosenWeights {
        let display = TransferProgressDisplay()
        defer { display.end() }
        return try ChosenWeights.resolve(argument, for: spec, store: try store(), progress: { display.show($0) })
    }
}

/// `parseWeights` for a command that needs trained weights (`purpose`: "predicting", …), whose
/// model the user named as `subject` (`--model lenet5`): random initialisation — asked for, or
/// all a family without published weights offers — is a usage error saying what to give instead.
func parseTrainedWeights(_ argument: String?, for spec: ModelSpec, subject: String, purpose: String) throws -> WeightsChoice {
    let choice = try parseWeights(argument, for: spec)
    guard choice == .none else { return choice }
    throw ValidationError(argument == nil
        ? "\(subject) has no published pretrained weights: give --weights FILE (or a Graft checkpoint instead)"
        : "--weights none: \(purpose) needs trained weights; give a weight set or a file")
}

/// What `--weights` asks of `spec`, for a command's `validate()`: an unknown set name is a
/// usage error that lists the model's sets, and a path-like name that is no file says so.
func parseWeights(_ argument: String?, for spec: ModelSpec) throws -> WeightsChoice {
    do {
        return try WeightsChoice.parseOption(argument, for: spec)
    } catch let error as TrainingOptionError {
        throw ValidationError(OptionSpelling.message(error))
    }
}
