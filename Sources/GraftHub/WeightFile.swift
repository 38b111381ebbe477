/// A verified weight file on this machine.
public struct WeightFile: Sendable, Equatable {
    public let path: String
    /// Its full SHA-256, lowercase hex.
    public let sha256: String
    public let origin: Origin

    public init(path: String, sha256: String, origin: Origin) {
        self.path = path; self.sha256 = sha256; self.origin = origin
    }

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
