import Foundation
import GraftIO

/// The full SHA-256 of a file in Graft's cache, recorded beside it (`<file>.sha256`, in
/// `sha256sum`'s format) once the file was verified, so that the cache is trusted afterwards
/// without hashing the file again, as torch.hub trusts its cache. `verify` re-hashes.
enum CacheRecord {
    static func path(of file: String) -> String { file + ".sha256" }

    /// The recorded hash of `file`, or nil when there is none or it is unreadable.
    static func read(_ file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(of: file)), data.count < 4096,
              let text = String(data: data, encoding: .utf8) else { return nil }
        let hash = text.prefix(64)
        guard hash.count == 64, hash.isASCIIHex else { return nil }
        return hash.lowercased()
    }

    /// Records `sha256` for `file`, atomically.
    static func write(_ sha256: String, for file: String) throws {
        let name = (file as NSString).lastPathComponent
        do {
            try AtomicFileWriter.write(Array("\(sha256)  \(name)\n".utf8), to: path(of: file))
        } catch {
            throw WeightFetchError.writeFailed(path: path(of: file), reason: "\(error)")
        }
    }
}
