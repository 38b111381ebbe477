import Foundation
import GraftModels

/// A verified weight file on this machine.
public struct WeightFile: Sendable, Equatable {
    public let path: String
    /// Its full SHA-256, lowercase hex.
    public let sha256: String
    public let origin: Origin

    /// Where the file came from this time.
    public enum Origin: Sendable, Equatable {
        /// Already in Graft's cache.
        case cache
        /// torch hub's cache (the file there), verified and linked or copied into Graft's cache.
        case torchHub(String)
        /// The mirror folder or URL (the file there).
        case mirror(String)
        /// Downloaded from the URL.
        case download(String)
        /// Taken from the Python package (`name==version`).
        case pythonPackage(String)
    }
}

/// How far a download has come.
public struct TransferProgress: Sendable, Equatable {
    public let fileName: String
    public let received: Int64
    /// The whole size, when the server or the weight set tells it.
    public let total: Int64?
    public let bytesPerSecond: Double
}

/// The outcome of re-hashing a cached file.
public enum Verification: Sendable, Equatable {
    case notCached
    case intact(sha256: String)
    case corrupt(expected: String, actual: String)
}

/// Graft's weight cache and the ways into it: torch hub's cache, a mirror, the publisher's URLs,
/// a Python package. Every file is verified before it takes its final name; processes that
/// fetch the same file at once wait for one another.
public final class WeightStore: Sendable {
    public let settings: WeightStoreSettings

    public init(settings: WeightStoreSettings) { self.settings = settings }

    /// Where `set`'s file lives in Graft's cache once fetched.
    public func cachePath(for set: WeightSet) -> String {
        (settings.cacheDirectory as NSString).appendingPathComponent(set.fileName)
    }

    /// Whether `set`'s file is in Graft's cache (not re-hashed).
    public func isCached(_ set: WeightSet) -> Bool { FileManager.default.fileExists(atPath: cachePath(for: set)) }

    /// `set`'s verified file: from Graft's cache, else torch hub's cache, else the mirror, else
    /// (unless offline) the publisher. `progress` hears about downloads.
    public func fetch(_ set: WeightSet, progress: (@Sendable (TransferProgress) -> Void)? = nil) throws -> WeightFile {
        fatalError("GraftHub: not yet built")
    }

    /// Re-hashes `set`'s cached file against the set's hash and the lock file's pin.
    public func verify(_ set: WeightSet) throws -> Verification {
        fatalError("GraftHub: not yet built")
    }

    /// Writes a lock file at `path` pinning the full SHA-256 of each set's cached file (fetching
    /// those not cached), keeping the pins an existing file at `path` holds for other files.
    public func writeLock(_ sets: [WeightSet], to path: String) throws {
        fatalError("GraftHub: not yet built")
    }
}
