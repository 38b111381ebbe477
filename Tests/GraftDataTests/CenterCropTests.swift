import GraftCore
import XCTest
@testable import GraftData

/// Centre crops against torchvision's `CenterCrop`, and the fused resize-and-crop against
/// `Resize` then `CenterCrop`.
final class CenterCropTests: XCTestCase {
    func testCropsMatchTorchvision() throws {
        for case_ in Fixtures.expected.centerCrop {
            let source = try Image(contentsOf: Fixtures.path(case_.source))
            let crop = try source.centerCrop(height: case_.height, width: case_.width)
            assertPixels(crop, case_.image.image, "\(case_.source) crop \(case_.height)×\(case_.width)")
        }
    }

    func testOffsetsRoundHalfToEvenAsPython() {
        // int(round((side − crop) / 2.0)), Python rounding half to even.
        XCTAssertEqual(Image.centerCropOrigin(side: 23, crop: 20), 2)  // 1.5 → 2
        XCTAssertEqual(Image.centerCropOrigin(side: 37, crop: 20), 8)  // 8.5 → 8
        XCTAssertEqual(Image.centerCropOrigin(side: 9, crop: 4), 2)    // 2.5 → 2
        XCTAssertEqual(Image.centerCropOrigin(side: 256, crop: 224), 16)
        XCTAssertEqual(Image.centerCropOrigin(side: 10, crop: 10), 0)
        // A crop larger than the side pads (crop − side) / 2 before: it starts in the padding.
        XCTAssertEqual(Image.centerCropOrigin(side: 5, crop: 8), -1)
        XCTAssertEqual(Image.centerCropOrigin(side: 5, crop: 9), -2)
    }

    func testPaddingIsBlack() throws {
        let image = try Image(width: 2, height: 1, channels: 1, pixels: [7, 9])
        XCTAssertEqual(try image.centerCrop(3).pixels, [0, 0, 0, 7, 9, 0, 0, 0, 0])
    }

    func testFusedResizeAndCropMatchesTorchvision() throws {
        for case_ in Fixtures.expected.resizeAndCenterCrop {
            let source = try Image(contentsOf: Fixtures.path(case_.source))
            let fused = try source.resizeAndCenterCrop(shorterSide: case_.shorterSide, crop: case_.crop)
            let label = "\(case_.source) resize \(case_.shorterSide) crop \(case_.crop)"
            assertPixels(fused, case_.image.image, tolerance: 1, label)
            XCTAssertEqual(fused, try source.resize(shorterSide: case_.shorterSide).centerCrop(case_.crop), label)
        }
    }

    func testFusedEqualsResizeThenCropOnADecodedPhoto() throws {
        let image = try Image(contentsOf: Fixtures.path("jpeg_large.jpg"))  // 64 × 40
        for interpolation in Interpolation.allCases {
            for (side, crop) in [(32, 28), (32, 29), (20, 17), (57, 50), (40, 36), (13, 20), (7, 3)] {
                XCTAssertEqual(try image.resizeAndCenterCrop(shorterSide: side, crop: crop, interpolation: interpolation),
                               try image.resize(shorterSide: side, interpolation: interpolation).centerCrop(crop),
                               "\(interpolation) resize \(side) crop \(crop)")
            }
        }
        XCTAssertNotEqual(try image.resizeAndCenterCrop(shorterSide: 32, crop: 28, interpolation: .bicubic),
                          try image.resizeAndCenterCrop(shorterSide: 32, crop: 28))
    }

    func testNonPositiveSizesThrow() throws {
        let image = Fixtures.reference("png_rgb8.png")
        XCTAssertThrowsError(try image.centerCrop(0))
        XCTAssertThrowsError(try image.centerCrop(height: 2, width: -2))
        XCTAssertThrowsError(try image.resizeAndCenterCrop(shorterSide: 4, crop: 0))
        XCTAssertThrowsError(try image.resizeAndCenterCrop(shorterSide: 0, crop: 4))
    }
}
