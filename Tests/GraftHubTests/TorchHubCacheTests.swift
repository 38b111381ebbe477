import Foundation
import XCTest
@testable import GraftHub
import GraftModels
import GraftTestSupport

/// A file in torch hub's cache is verified and taken instead of downloading it again.
final class TorchHubCacheTests: XCTestCase {
    private var scene: HubScene!
    override func setUpWithError() throws { scene = try HubScene("hub-torch") }
    override func tearDown() { scene.tearDown() }

    private func settings() throws -> WeightStoreSettings {
        var settings = try WeightStoreSettings.resolve(environment: ["GRAFT_HOME": scene.folder + "/graft",
                                                                     "TORCH_HOME": scene.folder + "/torch"],
                                                       currentDirectory: scene.folder)
        settings.retryDelay = 0.05
        return settings
    }

    func testTorchHubFileIsVerifiedAndLinked() throws {
        let data = weightBytes(100_000)
        let set = weightSet(data, urls: [scene.serve(data, at: "/publisher/toy-a.pth")])
        let checkpoints = scene.folder + "/torch/hub/checkpoints"
        try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: checkpoints + "/toy-a.pth"))
        let store = WeightStore(settings: try settings())
        XCTAssertEqual(store.settings.torchHubDirectories, [checkpoints])
        let file = try store.fetch(set)
        XCTAssertEqual(file, WeightFile(path: scene.folder + "/graft/weights/toy-a.pth", sha256: sha256(data),
                                        origin: .torchHub(checkpoints + "/toy-a.pth")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.path)), data)
        XCTAssertEqual(scene.server.requests.count, 0)
        XCTAssertEqual(try store.fetch(set).origin, .cache)
        // A hard link: the same file, on the same disk.
        let ours = try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? Int
        let theirs = try FileManager.default.attributesOfItem(atPath: checkpoints + "/toy-a.pth")[.systemFileNumber] as? Int
        XCTAssertEqual(ours, theirs)
        XCTAssertEqual(listing(scene.folder + "/graft/weights"), ["toy-a.pth", "toy-a.pth.sha256"])
    }

    /// torch hub's file that does not verify is left where it is, with a warning; the file is downloaded.
    func testCorruptTorchHubFileIsIgnored() throws {
        let data = weightBytes(100_000)
        let url = scene.serve(data, at: "/publisher/toy-b.pth")
        let set = weightSet(data, urls: [url])
        let checkpoints = scene.folder + "/torch/hub/checkpoints"
        try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        let corrupt = weightBytes(100_000, seed: 4)
        try corrupt.write(to: URL(fileURLWithPath: checkpoints + "/toy-b.pth"))
        let warnings = Warnings()
        let file = try WeightStore(settings: try settings(), warning: { warnings.add($0) }).fetch(set)
        XCTAssertEqual(file.origin, .download(url))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoints + "/toy-b.pth")), corrupt)
        XCTAssertTrue(warnings.all.contains { $0.contains(checkpoints + "/toy-b.pth") && $0.contains(sha256(corrupt)) },
                      "\(warnings.all)")
    }
}
