/// Why a weight file could not be read or written. Every message names the file and the
/// key, global, entry or byte offset at fault.
public enum WeightFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, examined or mapped.
    case unreadable(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// The file ends before the data its structure announces.
    case truncated(file: String, detail: String)
    /// A legacy PyTorch file that does not start with torch's magic number.
    case wrongMagic(file: String, detail: String)
    /// A header (safetensors JSON, zip directory, legacy preamble) that is malformed.
    case badHeader(file: String, detail: String)
    /// The file is neither safetensors nor a PyTorch checkpoint.
    case unknownFormat(file: String, detail: String)
    /// A pickle that is malformed or uses what a state dict never needs.
    case badPickle(file: String, offset: Int, detail: String)
    /// A pickle that names a global outside the allowed few; nothing was executed.
    case disallowedGlobal(file: String, name: String, offset: Int)
    /// A tensor refers to a storage that the file does not contain.
    case storageMissing(file: String, key: String)
    /// A storage type that Graft cannot represent (`torch.ByteStorage`, …).
    case unknownStorageType(file: String, name: String, key: String)
    /// A storage whose recorded size disagrees with what refers to it.
    case badStorage(file: String, key: String, detail: String)
    /// A tensor entry that is not a tensor, or whose dtype, shape or extent is invalid.
    case badTensor(file: String, key: String, detail: String)
    /// Strict loading found missing, unexpected or mismatched entries; nothing was loaded.
    case incompatible(file: String, report: LoadReport)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .unwritable(file, reason): return "\(file): cannot write: \(reason)"
        case let .truncated(file, detail): return "\(file): truncated file: \(detail)"
        case let .wrongMagic(file, detail): return "\(file): wrong magic number: \(detail)"
        case let .badHeader(file, detail): return "\(file): bad header: \(detail)"
        case let .unknownFormat(file, detail): return "\(file): unknown format: \(detail)"
        case let .badPickle(file, offset, detail): return "\(file): bad pickle at offset \(offset): \(detail)"
        case let .disallowedGlobal(file, name, offset):
            return "\(file): \(name) is not allowed in a weight file (pickle offset \(offset)); nothing was executed"
        case let .storageMissing(file, key): return "\(file): storage '\(key)' is missing"
        case let .unknownStorageType(file, name, key): return "\(file): storage '\(key)' has unknown storage type \(name)"
        case let .badStorage(file, key, detail): return "\(file): storage '\(key)': \(detail)"
        case let .badTensor(file, key, detail): return "\(file): '\(key)': \(detail)"
        case let .incompatible(file, report): return "\(file): weights do not fit the model: \(report)"
        }
    }
}
