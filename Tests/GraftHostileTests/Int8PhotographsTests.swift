import Foundation
import XCTest

/// EfficientNet-Lite0 with its ImageNet weights (`.cache`, from `make weights`; skipped without
/// them) keeps each of the repository's photographs' top class under `--precision int8`,
/// calibrated on the photographs themselves.
final class Int8PhotographsTests: XCTestCase {
    private struct Prediction: Decodable { let index: Int; let probability: Double }
    private struct Row: Decodable { let path: String; let predictions: [Prediction] }

    private func topClasses(_ precision: String, weights: String, photos: [String]) throws -> [String: Prediction] {
        let run = try runGraftChild(["predict", "--model", "efficientnet_lite0", "--weights", weights, "--precision", precision,
                                     "--topk", "1", "--json"] + photos)
        assertCleanExit(run, status: 0)
        var result: [String: Prediction] = [:]
        for line in run.stdout.split(separator: "\n") {
            let row = try JSONDecoder().decode(Row.self, from: Data(line.utf8))
            result[row.path] = try XCTUnwrap(row.predictions.first, row.path)
        }
        return result
    }

    func testLite0KeepsEveryPhotographsTopClassInInt8() throws {
        let repository = HostileFlagTests.repository
        let weights = repository.appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path
        guard FileManager.default.fileExists(atPath: weights) else { throw XCTSkip("no \(weights): run `make weights`") }
        let photos = ["chelsea.jpg", "coffee.jpg", "rocket.jpg"].map { repository.appendingPathComponent("Tests/Fixtures/photos/" + $0).path }
        let float = try topClasses("fp32", weights: weights, photos: photos)
        let int8 = try topClasses("int8", weights: weights, photos: photos)
        XCTAssertEqual(float.count, 3)
        for photo in photos {
            let (f, q) = (try XCTUnwrap(float[photo], photo), try XCTUnwrap(int8[photo], photo))
            XCTAssertEqual(q.index, f.index, photo)
            XCTAssertEqual(q.probability, f.probability, accuracy: 0.05, photo)
        }
    }
}
