import GraftCore
import XCTest
@testable import GraftData

final class ImageTests: XCTestCase {
    func testInitialiserChecksItsArguments() {
        XCTAssertThrowsError(try Image(width: 2, height: 2, channels: 2, pixels: [UInt8](repeating: 0, count: 8)))
        XCTAssertThrowsError(try Image(width: 0, height: 2, channels: 1, pixels: []))
        XCTAssertThrowsError(try Image(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 0, count: 11))) { error in
            XCTAssertEqual(error as? GraftError, .invalidArgument(op: "Image", detail: "11 bytes do not fill 2×2×3"))
        }
        XCTAssertNoThrow(try Image(width: 2, height: 1, channels: 4, pixels: [UInt8](repeating: 0, count: 8)))
    }

    func testChannelConversionsArePILs() throws {
        let rgba = try Image(width: 2, height: 1, channels: 4, pixels: [10, 200, 30, 0, 255, 255, 255, 128])
        let rgb = try rgba.converted(channels: 3)
        XCTAssertEqual(rgb.pixels, [10, 200, 30, 255, 255, 255])
        // L = (19595 R + 38470 G + 7471 B + 32768) >> 16, PIL's rgb2l.
        func luma(_ r: Int, _ g: Int, _ b: Int) -> UInt8 { UInt8((19595 * r + 38470 * g + 7471 * b + 32768) >> 16) }
        let expectedGrey = [luma(10, 200, 30), luma(255, 255, 255)]
        XCTAssertEqual(expectedGrey, [124, 255])  // PIL: Image.new("RGB", (1, 1), (10, 200, 30)).convert("L")
        XCTAssertEqual(try rgb.converted(channels: 1).pixels, expectedGrey)
        XCTAssertEqual(try rgba.converted(channels: 1).pixels, expectedGrey)
        let grey = try Image(width: 2, height: 1, channels: 1, pixels: [7, 250])
        XCTAssertEqual(try grey.converted(channels: 3).pixels, [7, 7, 7, 250, 250, 250])
        XCTAssertEqual(try grey.converted(channels: 4).pixels, [7, 7, 7, 255, 250, 250, 250, 255])
        XCTAssertEqual(try rgb.converted(channels: 4).pixels, [10, 200, 30, 255, 255, 255, 255, 255])
        XCTAssertThrowsError(try rgb.converted(channels: 2))
    }

    func testSubscriptReadsInterleavedPixels() throws {
        let image = try Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map(UInt8.init))
        XCTAssertEqual(image[x: 2, y: 1, c: 1], 16)
        XCTAssertEqual(image[x: 0, y: 1, c: 0], 9)
    }
}
