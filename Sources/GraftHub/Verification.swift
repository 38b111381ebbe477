/// The outcome of re-hashing a cached file.
public enum Verification: Sendable, Equatable {
    case notCached
    case intact(sha256: String)
    /// The cached file's hash is not the published one (or not the lock file's pin, then `expected` is the pin).
    case corrupt(expected: String, actual: String)
}
