import GraftCore
import XCTest
@testable import GraftData

/// Resizing against torchvision's `Resize` and PIL's `Image.resize(BILINEAR)` on the same
/// images (Tests/Fixtures/make_images.py): at most 1 level apart on 8-bit output.
final class ResizeTests: XCTestCase {
    func testShorterSideAndExactSizesMatchTorchvisionAndPIL() throws {
        for case_ in Fixtures.expected.resize {
            let source = try Image(contentsOf: Fixtures.path(case_.source))
            let resized: Image
            let label: String
            if let side = case_.shorterSide {
                resized = try source.resize(shorterSide: side)
                label = "\(case_.source) shorter side \(side)"
            } else {
                resized = try source.resize(width: case_.width!, height: case_.height!)
                label = "\(case_.source) to \(case_.width!)×\(case_.height!)"
            }
            assertPixels(resized, case_.image.image, tolerance: 1, label)
        }
        XCTAssertEqual(Fixtures.expected.resize.count, 22)
    }

    func testOutputSizeIsTorchvisions() throws {
        let wide = try Image(width: 37, height: 23, channels: 1, pixels: [UInt8](repeating: 0, count: 37 * 23))
        let tall = try Image(width: 23, height: 37, channels: 1, pixels: [UInt8](repeating: 0, count: 37 * 23))
        // int(side × long / short): 24 × 37 / 23 = 38.6 → 38.
        XCTAssertTrue(try wide.resizedSize(shorterSide: 24) == (38, 24))
        XCTAssertTrue(try tall.resizedSize(shorterSide: 24) == (24, 38))
        XCTAssertTrue(try wide.resizedSize(shorterSide: 5) == (8, 5))
        let square = try Image(width: 500, height: 500, channels: 1, pixels: [UInt8](repeating: 0, count: 500 * 500))
        XCTAssertTrue(try square.resizedSize(shorterSide: 256) == (256, 256))
    }

    func testShorterSideAlreadyRightLeavesTheImageUntouched() throws {
        let image = try Image(contentsOf: Fixtures.path("jpeg_large.jpg"))  // 64 × 40
        XCTAssertEqual(try image.resize(shorterSide: 40), image)
        XCTAssertEqual(try image.resize(width: 64, height: 40), image)
    }

    func testOneAxisOnlyIsResampledAlongThatAxis() throws {
        // A horizontal-only resize of an image whose rows are constant keeps every row constant.
        let rows = (0..<9).flatMap { y in [UInt8](repeating: UInt8(y * 20), count: 13) }
        let image = try Image(width: 13, height: 9, channels: 1, pixels: rows)
        let narrower = try image.resize(width: 5, height: 9)
        for y in 0..<9 { XCTAssertEqual(Set((0..<5).map { narrower[x: $0, y: y, c: 0] }), [UInt8(y * 20)]) }
    }

    func testNonPositiveSizesThrow() throws {
        let image = Fixtures.reference("png_rgb8.png")
        XCTAssertThrowsError(try image.resize(shorterSide: 0)) { error in
            XCTAssertEqual(error as? GraftError, .invalidArgument(op: "Image.resize", detail: "shorter side 0 must be positive"))
        }
        XCTAssertThrowsError(try image.resize(width: 3, height: -1))
    }
}
