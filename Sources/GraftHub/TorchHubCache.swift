import Foundation
import GraftCore
import GraftIO

extension WeightStore {
    /// A verified file in torch hub's cache, hard-linked into Graft's cache (copied where a
    /// link cannot be made); one that does not verify is left alone with a warning.
    func fromTorchHub(_ folder: String, _ expected: ExpectedFile, _ final: String) throws -> WeightFile? {
        let candidate = (folder as NSString).appendingPathComponent(expected.fileName)
        guard LocalCopy.isRegularFile(candidate) else { return nil }
        let digest = try SHA256.hex(ofFile: candidate)
        do { try expected.check(digest, source: candidate) } catch {
            warning("ignoring torch hub's \(candidate): \(error)")
            return nil
        }
        let link = (settings.cacheDirectory as NSString).appendingPathComponent(".\(expected.fileName).\(UUID().uuidString).link")
        if linkat(AT_FDCWD, candidate, AT_FDCWD, link, AT_SYMLINK_FOLLOW) == 0 {
            defer { unlink(link) }
            try CacheRecord.write(digest, for: final)
            guard rename(link, final) == 0 else { throw WeightFetchError.writeFailed(path: final, reason: errnoText()) }
            syncFolder(of: final)
            unlink(final + ".partial")
            return WeightFile(path: final, sha256: digest, origin: .torchHub(candidate))
        }
        return try copy(candidate, expected, final, origin: .torchHub(candidate))
    }
}
