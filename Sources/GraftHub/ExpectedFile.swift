import GraftModels

/// What a weight set's file must be before it takes its name in Graft's cache: its published
/// hash, checked as torch.hub's `check_hash` (all 64 digits equal, or the digest starts with
/// the publisher's prefix); the lock file's pin when one is in effect; and a bound on its size.
struct ExpectedFile {
    /// The canonical file name, checked to be a plain file name.
    let fileName: String
    /// The published hash, lowercase hex: 64 digits or a prefix of at least 8.
    let published: String
    /// The lock file's pin for this file, with the lock file's path.
    let pin: (sha256: String, lockFile: String)?
    /// The size in bytes when the set gives it exactly.
    let exactSize: Int?
    /// The most bytes the file may have: its exact size, else 4× the published size, at most `sizeCap`.
    let maximumSize: Int

    /// No weight file is larger than this (VGG's are 0.5 GiB).
    static let sizeCap = 8 << 30

    init(_ set: WeightSet, lockFile: LockFile?) throws {
        let name = set.fileName
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0"),
              !name.hasSuffix(".partial"), !name.hasSuffix(".lock"), !name.hasSuffix(".sha256") else {
            throw WeightFetchError.badWeightSet(name: set.name, detail: "'\(name)' cannot be a file name in the cache")
        }
        let hash = set.sha256.lowercased()
        guard (8...64).contains(hash.count), hash.isASCIIHex else {
            throw WeightFetchError.badWeightSet(
                name: set.name, detail: "'\(set.sha256)' is neither a SHA-256 nor a prefix of one (8 to 64 hex digits)")
        }
        guard set.bytes >= 0 else { throw WeightFetchError.badWeightSet(name: set.name, detail: "negative size \(set.bytes)") }
        fileName = name
        published = hash
        pin = lockFile.flatMap { lock in lock.pins[name].map { ($0, lock.path) } }
        if set.sizeIsExact {
            guard set.bytes <= Self.sizeCap else {
                throw WeightFetchError.badWeightSet(name: set.name, detail: "\(set.bytes) bytes exceed the bound of \(Self.sizeCap)")
            }
            exactSize = set.bytes
            maximumSize = set.bytes
        } else {
            exactSize = nil
            let (four, overflow) = set.bytes.multipliedReportingOverflow(by: 4)
            maximumSize = set.bytes == 0 || overflow ? Self.sizeCap : min(four, Self.sizeCap)
        }
    }

    /// Whether `digest` is the published hash (or starts with the published prefix).
    func matchesPublished(_ digest: String) -> Bool { digest.hasPrefix(published) }

    /// Throws, naming `source` and both hashes, unless `digest` is the published hash and the pin.
    func check(_ digest: String, source: String) throws {
        guard matchesPublished(digest) else {
            throw WeightFetchError.hashMismatch(file: fileName, source: source, expected: published, actual: digest)
        }
        if let pin, pin.sha256 != digest {
            throw WeightFetchError.pinMismatch(file: fileName, source: source, lockFile: pin.lockFile,
                                               expected: pin.sha256, actual: digest)
        }
    }
}
