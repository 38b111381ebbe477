import GraftModels
/// Why a checkpoint or a training-state file could not be used. Every message names the
/// file and what is wrong with it.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// A weight file without Graft's metadata: a plain state dict.
    case notAGraftCheckpoint(file: String)
    /// A file that is not a training state written by `TrainingState.save`.
    case notATrainingState(file: String)
    /// The metadata names an architecture the zoo does not know.
    case unknownArchitecture(file: String, name: String)
    /// The metadata is not valid JSON, lacks a field, or holds an impossible value.
    case badMetadata(file: String, reason: String)
    /// The class names do not match the head's number of outputs.
    case classCountMismatch(file: String, classNames: Int, headClasses: Int)
    /// A tensor the metadata announces is absent, or one is there that it does not announce.
    case tensorMismatch(file: String, key: String, reason: String)

    public var description: String {
        switch self {
        case let .notAGraftCheckpoint(file):
            return "\(file) is not a Graft checkpoint (it has no '\(CheckpointMetadata.key)' metadata); "
                + "for a plain weight file use `model` NAME `weights` \(file)"
        case let .notATrainingState(file):
            return "\(file) is not a Graft training state (it has no '\(TrainingState.key)' metadata)"
        case let .unknownArchitecture(file, name):
            return "\(file): unknown architecture '\(name)'; known models: \(ModelZoo.names.joined(separator: ", "))"
        case let .badMetadata(file, reason):
            return "\(file): bad metadata: \(reason)"
        case let .classCountMismatch(file, names, classes):
            return "\(file): \(names) class names for a head with \(classes) outputs"
        case let .tensorMismatch(file, key, reason):
            return "\(file): tensor '\(key)' \(reason)"
        }
    }
}
