import Foundation
import XCTest
@testable import GraftHub
import GraftTestSupport

/// Where the cache, torch hub's cache, the mirror, offline mode and the lock file come from.
final class WeightStoreSettingsTests: XCTestCase {
    private func resolve(_ environment: [String: String], directory: String = "/work", mirror: String? = nil,
                         offline: Bool = false, lockFile: String? = nil) throws -> WeightStoreSettings {
        try WeightStoreSettings.resolve(environment: environment, currentDirectory: directory, mirror: mirror,
                                        offline: offline, lockFile: lockFile)
    }

    func testCacheFolder() throws {
        XCTAssertEqual(try resolve(["GRAFT_HOME": "/g", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).cacheDirectory, "/g/weights")
        XCTAssertEqual(try resolve(["XDG_CACHE_HOME": "/x", "HOME": "/h"]).cacheDirectory, "/x/graft/weights")
        XCTAssertEqual(try resolve(["GRAFT_HOME": "", "HOME": "/h"]).cacheDirectory, "/h/.cache/graft/weights")
        // XDG ignores a relative XDG_CACHE_HOME.
        XCTAssertEqual(try resolve(["XDG_CACHE_HOME": "rel", "HOME": "/h"]).cacheDirectory, "/h/.cache/graft/weights")
        var text = errorText { try resolve(["GRAFT_HOME": "relative/path", "HOME": "/h"]) }
        XCTAssertTrue(text.contains("GRAFT_HOME=relative/path") && text.contains("absolute"), text)
        text = errorText { try resolve([:]) }
        XCTAssertTrue(text.contains("GRAFT_HOME") && text.contains("HOME"), text)
    }

    /// As torch.hub's get_dir.
    func testTorchHubFolder() throws {
        XCTAssertEqual(try resolve(["TORCH_HOME": "/t", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).torchHubDirectories, ["/t/hub/checkpoints"])
        XCTAssertEqual(try resolve(["TORCH_HOME": "~/t", "HOME": "/h"]).torchHubDirectories, ["/h/t/hub/checkpoints"])
        XCTAssertEqual(try resolve(["TORCH_HOME": "t", "HOME": "/h"], directory: "/d").torchHubDirectories, ["/d/t/hub/checkpoints"])
        XCTAssertEqual(try resolve(["XDG_CACHE_HOME": "/x", "HOME": "/h"]).torchHubDirectories, ["/x/torch/hub/checkpoints"])
        XCTAssertEqual(try resolve(["HOME": "/h"]).torchHubDirectories, ["/h/.cache/torch/hub/checkpoints"])
        XCTAssertEqual(try resolve(["GRAFT_HOME": "/g"]).torchHubDirectories, [])
    }

    func testMirror() throws {
        let folder = try temporaryFolder("hub-settings")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/m", withIntermediateDirectories: true)
        XCTAssertNil(try resolve(["HOME": "/h"]).mirror)
        XCTAssertEqual(try resolve(["HOME": "/h", "GRAFT_WEIGHTS_MIRROR": "https://example.org/w/"]).mirror, "https://example.org/w")
        XCTAssertEqual(try resolve(["HOME": "/h", "GRAFT_WEIGHTS_MIRROR": "m"], directory: folder).mirror, folder + "/m")
        XCTAssertEqual(try resolve(["HOME": "/h", "GRAFT_WEIGHTS_MIRROR": "file://\(folder)/m"]).mirror, folder + "/m")
        // The flag wins over the environment.
        XCTAssertEqual(try resolve(["HOME": "/h", "GRAFT_WEIGHTS_MIRROR": "http://a/"], mirror: folder + "/m").mirror, folder + "/m")
        var text = errorText { try resolve(["HOME": "/h", "GRAFT_WEIGHTS_MIRROR": folder + "/missing"]) }
        XCTAssertTrue(text.contains("GRAFT_WEIGHTS_MIRROR=") && text.contains("no such folder"), text)
        text = errorText { try resolve(["HOME": "/h"], mirror: "ftp://example.org/w") }
        XCTAssertTrue(text.contains("--weights-mirror=ftp://example.org/w"), text)
        text = errorText { try resolve(["HOME": "/h"], mirror: "http://") }
        XCTAssertTrue(text.contains("--weights-mirror=http://"), text)
    }

    func testOffline() throws {
        XCTAssertFalse(try resolve(["HOME": "/h"]).offline)
        XCTAssertTrue(try resolve(["HOME": "/h"], offline: true).offline)
        for on in ["1", "true", "YES", "on"] { XCTAssertTrue(try resolve(["HOME": "/h", "GRAFT_OFFLINE": on]).offline) }
        for off in ["0", "false", "no", "OFF", ""] { XCTAssertFalse(try resolve(["HOME": "/h", "GRAFT_OFFLINE": off]).offline) }
        let text = errorText { try resolve(["HOME": "/h", "GRAFT_OFFLINE": "maybe"]) }
        XCTAssertTrue(text.contains("GRAFT_OFFLINE=maybe"), text)
    }

    func testLockFile() throws {
        let folder = try temporaryFolder("hub-settings")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        XCTAssertNil(try resolve(["HOME": "/h"], directory: folder).lockFile)
        try "".write(toFile: folder + "/graft.lock", atomically: true, encoding: .utf8)
        XCTAssertEqual(try resolve(["HOME": "/h"], directory: folder).lockFile, folder + "/graft.lock")
        try "".write(toFile: folder + "/other.lock", atomically: true, encoding: .utf8)
        XCTAssertEqual(try resolve(["HOME": "/h"], directory: folder, lockFile: "other.lock").lockFile, folder + "/other.lock")
        let text = errorText { try resolve(["HOME": "/h"], directory: folder, lockFile: "missing.lock") }
        XCTAssertTrue(text.contains("--lock=missing.lock") && text.contains("no such file"), text)
    }
}
