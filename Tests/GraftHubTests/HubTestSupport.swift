import Foundation
import XCTest
@testable import GraftHub
import GraftModels
import GraftTestSupport

/// `count` reproducible pseudo-random bytes.
func weightBytes(_ count: Int, seed: UInt64 = 1) -> Data {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return Data((0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    })
}

func sha256(_ data: Data) -> String { (try? SHA256.hex(of: Array(data))) ?? "" }

/// A weight set for `data` published at `urls` (file name: the last path component of the first).
func weightSet(_ data: Data, urls: [String], sha256 hash: String? = nil, exactSize: Bool = true) -> WeightSet {
    WeightSet(name: "TOY", source: .urls(urls), bytes: data.count, sizeIsExact: exactSize, sha256: hash ?? sha256(data),
              licence: "test", top1: nil, top5: nil, classNames: [], preprocessing: .imageNet())
}

/// Settings for a cache folder with the short waits tests want: a 2 s idle timeout and
/// retries 0.05 s apart.
func fastSettings(cache: String) -> WeightStoreSettings {
    var settings = WeightStoreSettings(cacheDirectory: cache)
    settings.timeout = 2
    settings.retries = 3
    settings.retryDelay = 0.05
    return settings
}

/// The names in `folder` (none when it does not exist), sorted, lock files left out: a lock
/// file stays once made, as flock's lock files do.
func listing(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasSuffix(".lock") }.sorted()
}

/// A test's temporary folder, its cache folder and a loopback server, torn down at the end.
final class HubScene {
    let folder: String
    let cache: String
    let server: LoopbackHTTPServer
    /// Warnings the store gave.
    let warnings = Warnings()

    init(_ name: String) throws {
        folder = try temporaryFolder(name)
        cache = folder + "/cache"
        server = try LoopbackHTTPServer()
    }

    func store(_ adjust: (inout WeightStoreSettings) -> Void = { _ in }) -> WeightStore {
        var settings = fastSettings(cache: cache)
        adjust(&settings)
        let warnings = warnings
        return WeightStore(settings: settings, warning: { warnings.add($0) })
    }

    /// Serves `data` at `path` and returns its URL.
    func serve(_ data: Data, at path: String, _ behaviour: LoopbackHTTPServer.FileBehaviour = .init()) -> String {
        server.route(path, .file(data, behaviour))
        return server.baseURL + path
    }

    func tearDown() {
        server.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ text: String) { lock.lock(); list.append(text); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
