import Foundation
import GraftCore
import GraftData
@testable import GraftTrain
import XCTest

final class AugmentAndBenchTests: XCTestCase {
    static let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/photos").path

    /// A two-class ImageFolder of the fixture photographs in a temporary directory.
    func makeImageFolder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("graft-augment-\(UUID())").path
        for (cls, photo) in [("cat", "chelsea"), ("cup", "coffee"), ("cup", "rocket")] {
            try FileManager.default.createDirectory(atPath: root + "/" + cls, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.photos + "/\(photo).jpg", toPath: root + "/\(cls)/\(photo).jpg")
        }
        return root
    }

    func testAugmentationGridHasOneRowPerImageAndOneColumnPerDraw() throws {
        let root = try makeImageFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pipeline = try Pipeline(spec: "random-resized-crop(64), hflip, color-jitter(0.4, 0.4, 0.4)", mean: [0], std: [1])
        let dataset = try openTrainingImages(root)
        let grid = try augmentationGrid(dataset: dataset, pipeline: pipeline, samples: 2, augmentations: 3, seed: 1, tile: 32)
        XCTAssertEqual(grid.width, 4 * (32 + 4) + 4)
        XCTAssertEqual(grid.height, 2 * (32 + 4) + 4)
        let again = try augmentationGrid(dataset: dataset, pipeline: pipeline, samples: 2, augmentations: 3, seed: 1, tile: 32)
        XCTAssertEqual(grid, again, "the same seed draws the same grid")
        let other = try augmentationGrid(dataset: dataset, pipeline: pipeline, samples: 2, augmentations: 3, seed: 2, tile: 32)
        XCTAssertNotEqual(grid, other)
    }

    func testAugmentCommandWritesAPNGAndNamesABadSpec() throws {
        let root = try makeImageFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/grid.png"
        let r = try runGraft(["augment", "--data", root, "--transforms", "random-resized-crop(96), hflip, pca-lighting(0.1)",
                              "--out", out, "--samples", "2", "--augmentations", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let png = try Image(contentsOf: out)
        XCTAssertEqual(png.channels, 3)
        let bad = try runGraft(["augment", "--data", root, "--transforms", "random-resized-crop(96), wobble", "--out", out])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("wobble") && bad.stderr.contains("color-jitter"), bad.stderr)
    }

    func testDataBenchPrintsTorchvisionsLine() throws {
        let root = try makeImageFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try runDataBench(directory: root, seconds: 0.5)
        XCTAssertEqual(result.images, 3)
        XCTAssertGreaterThan(result.imagesProcessed, 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.json.utf8)) as! [String: Any]
        XCTAssertEqual(Set(object.keys), ["framework", "workload", "img_s", "images", "threads"])
        XCTAssertEqual(object["framework"] as? String, "graft")
        XCTAssertEqual(object["workload"] as? String, "decode-augment")
        XCTAssertEqual(object["threads"] as? Int, 1)
        XCTAssertGreaterThan(object["img_s"] as! Double, 0)
    }
}
