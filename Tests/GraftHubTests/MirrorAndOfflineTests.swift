import Foundation
import XCTest
@testable import GraftHub
import GraftModels
import GraftTestSupport

/// Mirrors (a folder, a URL) and offline mode: the publisher is not asked when a mirror has
/// the file, and offline nothing is asked at all.
final class MirrorAndOfflineTests: XCTestCase {
    private var scene: HubScene!
    override func setUpWithError() throws { scene = try HubScene("hub-mirror") }
    override func tearDown() { scene.tearDown() }

    /// The publisher's URL, on the loopback server, which must see no request.
    private func published(_ data: Data, _ name: String) -> WeightSet {
        weightSet(data, urls: [scene.serve(data, at: "/publisher/" + name)])
    }

    func testMirrorFolder() throws {
        let data = weightBytes(200_000)
        let mirror = scene.folder + "/mirror"
        try FileManager.default.createDirectory(atPath: mirror, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: mirror + "/toy-a.pth"))
        let file = try scene.store { $0.mirror = mirror }.fetch(published(data, "toy-a.pth"))
        XCTAssertEqual(file.origin, .mirror(mirror + "/toy-a.pth"))
        XCTAssertEqual(file.path, scene.cache + "/toy-a.pth")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.count, 0)
    }

    /// A mirror folder's file that does not verify is not taken; the publisher is asked next.
    func testWrongFileInMirrorFolderFallsThroughToPublisher() throws {
        let data = weightBytes(20_000)
        let mirror = scene.folder + "/mirror"
        try FileManager.default.createDirectory(atPath: mirror, withIntermediateDirectories: true)
        try weightBytes(20_000, seed: 5).write(to: URL(fileURLWithPath: mirror + "/toy-b.pth"))
        let set = published(data, "toy-b.pth")
        let file = try scene.store { $0.mirror = mirror }.fetch(set)
        XCTAssertEqual(file.origin, .download(scene.server.baseURL + "/publisher/toy-b.pth"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
    }

    func testMirrorURL() throws {
        let data = weightBytes(200_000)
        let url = scene.serve(data, at: "/mirror/toy-c.pth")
        let file = try scene.store { $0.mirror = self.scene.server.baseURL + "/mirror" }.fetch(published(data, "toy-c.pth"))
        XCTAssertEqual(file.origin, .mirror(url))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.map(\.path), ["/mirror/toy-c.pth"])
    }

    /// Offline, a cached file is used and no connection is opened, with a mirror URL set too.
    func testOfflineWithTheFileCached() throws {
        let data = weightBytes(50_000)
        let set = published(data, "toy-d.pth")
        _ = try scene.store().fetch(set)
        XCTAssertEqual(scene.server.requests.count, 1)
        let offline = scene.store { $0.offline = true; $0.mirror = self.scene.server.baseURL + "/mirror" }
        XCTAssertEqual(try offline.fetch(set), WeightFile(path: scene.cache + "/toy-d.pth", sha256: sha256(data), origin: .cache))
        XCTAssertEqual(scene.server.requests.count, 1)
    }

    /// A file copied into the cache by hand (no record of its hash) is verified once, then trusted.
    func testFileCopiedIntoTheCacheByHand() throws {
        let data = weightBytes(50_000)
        let set = published(data, "toy-e.pth")
        try FileManager.default.createDirectory(atPath: scene.cache, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: scene.cache + "/toy-e.pth"))
        let offline = scene.store { $0.offline = true }
        XCTAssertEqual(try offline.fetch(set).origin, .cache)
        XCTAssertEqual(CacheRecord.read(scene.cache + "/toy-e.pth"), sha256(data))
        // One that does not verify is removed, and (offline) the error says how to provide it.
        let wrong = weightBytes(50_000, seed: 7)
        let other = published(wrong, "toy-f.pth")
        try data.write(to: URL(fileURLWithPath: scene.cache + "/toy-f.pth"))
        let text = errorText { try offline.fetch(other) }
        XCTAssertTrue(text.contains("toy-f.pth is not available offline"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scene.cache + "/toy-f.pth"))
        XCTAssertTrue(scene.warnings.all.contains { $0.contains("toy-f.pth") && $0.contains(sha256(data)) }, "\(scene.warnings.all)")
        XCTAssertEqual(scene.server.requests.count, 0)
    }

    /// Offline without the file: the error names the file, where it is published, its hash,
    /// the cache folder and how to provide it; no request reaches the server.
    func testOfflineWithoutTheFile() throws {
        let data = weightBytes(1000)
        let set = published(data, "toy-g.pth")
        let text = errorText { try scene.store { $0.offline = true; $0.mirror = self.scene.server.baseURL + "/m" }.fetch(set) }
        for needed in ["toy-g.pth", scene.server.baseURL + "/publisher/toy-g.pth", sha256(data),
                       "GRAFT_WEIGHTS_MIRROR=", scene.cache + "/toy-g.pth", "offline"] {
            XCTAssertTrue(text.contains(needed), "'\(needed)' missing from: \(text)")
        }
        XCTAssertEqual(scene.server.requests.count, 0)
        XCTAssertEqual(listing(scene.cache), [])
    }

    /// Without network and mirror, the error lists what was tried and how to provide the file.
    func testNoNetworkErrorSaysHowToProvideTheFile() throws {
        let data = weightBytes(1000)
        let url = "http://127.0.0.1:\(try LoopbackHTTPServer.unusedPort())/toy-h.pth"
        let mirror = scene.folder + "/empty-mirror"
        try FileManager.default.createDirectory(atPath: mirror, withIntermediateDirectories: true)
        let text = errorText { try scene.store { $0.mirror = mirror }.fetch(weightSet(data, urls: [url])) }
        for needed in ["toy-h.pth is not available:", url, "refused", sha256(data), "mirror folder \(mirror) has no toy-h.pth",
                       "GRAFT_WEIGHTS_MIRROR=", scene.cache + "/toy-h.pth"] {
            XCTAssertTrue(text.contains(needed), "'\(needed)' missing from: \(text)")
        }
    }
}
