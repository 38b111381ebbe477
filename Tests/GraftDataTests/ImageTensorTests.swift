import GraftCore
import XCTest
@testable import GraftData

/// `toTensor` against the formula of torchvision's `ToTensor` + `Normalize`, evaluated in Double.
final class ImageTensorTests: XCTestCase {
    let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]

    /// (v / 255 − mean[c]) / std[c] in Double, NCHW.
    func reference(_ images: [Image], mean: [Float], std: [Float]) -> [Double] {
        images.flatMap { image in
            (0..<image.channels).flatMap { c in
                (0..<image.height).flatMap { y in
                    (0..<image.width).map { x in
                        let m = Double(mean[mean.count == 1 ? 0 : c]), s = Double(std[std.count == 1 ? 0 : c])
                        return (Double(image[x: x, y: y, c: c]) / 255 - m) / s
                    }
                }
            }
        }
    }

    func assertClose(_ actual: [Float], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        // Float rounding of values up to ~3: a few 1e-7.
        let worst = zip(actual, expected).map { abs(Double($0) - $1) - 1e-6 * abs($1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-6, file: file, line: line)
    }

    func testSingleImageIsNormalisedCHW() throws {
        let image = Fixtures.reference("resize_src_rgb.png")
        let tensor = try image.toTensor(mean: mean, std: std)
        XCTAssertEqual(tensor.shape, [1, 3, 23, 37])
        assertClose(tensor.toArray(), reference([image], mean: mean, std: std))
        // Channel 1 of pixel (x 5, y 2) sits at c·H·W + y·W + x.
        let index: Int = 1 * 23 * 37 + 2 * 37 + 5
        let byte = Float(image[x: 5, y: 2, c: 1])
        XCTAssertEqual(tensor.toArray()[index], (byte / 255 - Float(0.456)) / Float(0.224))
    }

    func testDefaultsScaleToUnitInterval() throws {
        let grey = Fixtures.reference("png_grey8.png")
        let tensor = try grey.toTensor()
        XCTAssertEqual(tensor.shape, [1, 1, 5, 7])
        XCTAssertEqual(tensor.toArray(), grey.pixels.map { Float($0) / 255 })
    }

    func testOneMeanAndStdServeEveryChannel() throws {
        let image = Fixtures.reference("png_rgb16.png")
        assertClose(try image.toTensor(mean: [0.5], std: [0.25]).toArray(), reference([image], mean: [0.5], std: [0.25]))
    }

    func testBatchStacksImages() throws {
        let a = Fixtures.reference("png_rgb8.png"), b = Fixtures.reference("png_rgba8.png")
        let batch = try Image.toTensor([a, b, a], mean: mean, std: std)
        XCTAssertEqual(batch.shape, [3, 3, 5, 7])
        assertClose(batch.toArray(), reference([a, b, a], mean: mean, std: std))
    }

    func testMismatchedBatchesAndBadStatisticsThrow() throws {
        let a = Fixtures.reference("png_rgb8.png"), grey = Fixtures.reference("png_grey8.png")
        XCTAssertThrowsError(try Image.toTensor([a, grey])) { error in
            XCTAssertEqual(error as? GraftError, .shapeMismatch(op: "Image.toTensor",
                detail: "images in a batch must share their size; first image vs another", lhs: [3, 5, 7], rhs: [1, 5, 7]))
        }
        XCTAssertThrowsError(try Image.toTensor([]))
        XCTAssertThrowsError(try a.toTensor(mean: [0.5, 0.5], std: [1]))
        XCTAssertThrowsError(try a.toTensor(mean: [0], std: [1, 0, 1]))
    }
}
