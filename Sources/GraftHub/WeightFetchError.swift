/// Why a weight file could not be fetched, verified or pinned. Each case names the file, URL,
/// setting or line at fault.
public enum WeightFetchError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// Writing into the cache failed (disk full, file too large, no permission); what was
    /// written is gone and the cache is as it was.
    case writeFailed(path: String, reason: String)
    /// The file's SHA-256 is not the published one; it was discarded.
    case hashMismatch(file: String, source: String, expected: String, actual: String)
    /// The file's SHA-256 is not the one the lock file pins; it was not kept.
    case pinMismatch(file: String, source: String, lockFile: String, expected: String, actual: String)
    /// The server answered with an HTTP error.
    case httpStatus(url: String, status: Int)
    /// No connection, or it failed: refused, name not resolved, timed out or dropped (after the retries).
    case connection(url: String, detail: String)
    /// The body's size is impossible for the file (larger than its bound, or not its exact size).
    case wrongSize(source: String, detail: String)
    /// The Python package could not be downloaded, or does not hold the file.
    case pythonPackage(package: String, detail: String)
    /// A lock file line that is not `<64 hex digits>  <file name>`, or pins a file twice.
    case badLockFile(path: String, line: Int, detail: String)
    /// An environment variable or flag whose value cannot be used.
    case badSetting(name: String, value: String, detail: String)
    /// A weight set whose declared hash or file name cannot be checked or stored.
    case badWeightSet(name: String, detail: String)
    /// Every way to the file failed, or none was allowed (offline).
    case unavailable(WeightUnavailable)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason); the partial file was removed and the cache is as it was"
        case let .hashMismatch(file, source, expected, actual):
            return "\(file) from \(source) has SHA-256 \(actual), but the published hash \(expected.count < 64 ? "starts with" : "is") \(expected); the file was discarded"
        case let .pinMismatch(file, source, lockFile, expected, actual):
            return "\(file) from \(source) has SHA-256 \(actual), but \(lockFile) pins \(expected); the file was not kept"
        case let .httpStatus(url, status): return "\(url): HTTP \(status)"
        case let .connection(url, detail): return "\(url): \(detail)"
        case let .wrongSize(source, detail): return "\(source): \(detail)"
        case let .pythonPackage(package, detail): return "Python package \(package): \(detail)"
        case let .badLockFile(path, line, detail): return "\(path):\(line): \(detail)"
        case let .badSetting(name, value, detail): return "\(name)=\(value): \(detail)"
        case let .badWeightSet(name, detail): return "weight set \(name): \(detail)"
        case let .unavailable(details): return details.description
        }
    }
}

/// A weight file that could not be had, with what was tried and how to provide it by hand.
public struct WeightUnavailable: Sendable, Equatable, CustomStringConvertible {
    /// The canonical file name.
    public let fileName: String
    /// Where the file is published (its URLs, or its Python package and member).
    public let publishedAt: String
    /// The published SHA-256 (all 64 digits, or the publisher's prefix).
    public let sha256: String
    public let cacheDirectory: String
    /// Whether offline mode ruled out the network.
    public let offline: Bool
    /// What each way tried said.
    public let attempts: [String]

    public var description: String {
        var lines = ["\(fileName) is not available\(offline ? " offline (GRAFT_OFFLINE, --offline)" : ""):",
                     "  published at \(publishedAt), SHA-256 \(sha256.count < 64 ? "starting \(sha256)" : sha256)"]
        lines += attempts.map { "  tried: \($0)" }
        lines.append("""
          to provide it, put the file named \(fileName) in a folder and set GRAFT_WEIGHTS_MIRROR=/that/folder \
        (or --weights-mirror /that/folder), or copy it to \(cacheDirectory)/\(fileName)
        """)
        return lines.joined(separator: "\n")
    }
}
