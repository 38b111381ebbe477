import XCTest
@testable import GraftData

/// JPEG decoding against PIL's decode of the same files. Both run libjpeg-turbo with the same
/// settings and agree exactly on this machine; the tolerance of 2 levels leaves room for a
/// libjpeg-turbo build whose SIMD code differs from the one that made the references.
final class JPEGDecoderTests: XCTestCase {
    func testEveryColourTypeMatchesPIL() throws {
        let files = ["jpeg_rgb_420.jpg", "jpeg_rgb_422.jpg", "jpeg_rgb_444.jpg", "jpeg_progressive.jpg",
                     "jpeg_grey.jpg", "jpeg_cmyk.jpg", "jpeg_large.jpg"]
        for name in files {
            let image = try Image(contentsOf: Fixtures.path(name))
            assertPixels(image, Fixtures.reference(name), tolerance: 2, name)
        }
        XCTAssertEqual(try Image(contentsOf: Fixtures.path("jpeg_grey.jpg")).channels, 1)
        XCTAssertEqual(try Image(contentsOf: Fixtures.path("jpeg_cmyk.jpg")).channels, 3)
    }

    func testScaledDecodeKeepsTheRequestedShorterSide() throws {
        let data = try readFile(Fixtures.path("jpeg_large.jpg"))  // 64 × 40
        for case_ in Fixtures.expected.scaledJPEG {
            let image = try Image.decodeJPEG(data, minimumShorterSide: case_.minimumShorterSide)
            XCTAssertGreaterThanOrEqual(min(image.width, image.height), case_.minimumShorterSide)
            assertPixels(image, case_.image.image, tolerance: 2, "minimum shorter side \(case_.minimumShorterSide)")
        }
        XCTAssertEqual(try Image.decodeJPEG(data, minimumShorterSide: 5).width, 8)
        XCTAssertEqual(try Image.decodeJPEG(data, minimumShorterSide: 0).height, 5)
        XCTAssertEqual(try Image.decodeJPEG(data, minimumShorterSide: 1000).width, 64)
    }

    func testEXIFOrientationsOneToEight() throws {
        let upright = try Image(contentsOf: Fixtures.path("jpeg_orient_1.jpg"))
        XCTAssertEqual([upright.width, upright.height], [6, 4])
        for orientation in 1...8 {
            let name = "jpeg_orient_\(orientation).jpg"
            let data = try readFile(Fixtures.path(name))
            XCTAssertEqual(EXIFOrientation.of(jpeg: data), orientation, name)
            let image = try Image(contentsOf: Fixtures.path(name))
            XCTAssertEqual([image.width, image.height], orientation >= 5 ? [4, 6] : [6, 4], name)
            assertPixels(image, Fixtures.reference(name), tolerance: 2, name)
        }
        let bigEndian = try Image(contentsOf: Fixtures.path("jpeg_orient_6_bigendian.jpg"))
        assertPixels(bigEndian, Fixtures.reference("jpeg_orient_6_bigendian.jpg"), tolerance: 2, "MM byte order")
    }

    func testMalformedEXIFLeavesTheImageAsStored() throws {
        var data = try readFile(Fixtures.path("jpeg_orient_6.jpg"))
        let exif = Array("Exif\0\0".utf8)
        let start = (0..<data.count - exif.count).first { Array(data[$0..<$0 + exif.count]) == exif }! + exif.count
        data[start + 4] = 0xFF  // IFD0 offset far outside the segment
        XCTAssertEqual(EXIFOrientation.of(jpeg: data), 1)
        let image = try Image.decodeJPEG(data)
        XCTAssertEqual([image.width, image.height], [6, 4])
        XCTAssertEqual(EXIFOrientation.orientation(tiff: [0x49, 0x49, 42, 0][...]), 1, "truncated TIFF header")
    }

    func testTruncatedJPEGSaysSoAndNamesTheFile() throws {
        let data = try readFile(Fixtures.path("jpeg_large.jpg"))
        let directory = try Fixtures.temporaryDirectory()
        for fraction in [0.3, 0.6, 0.95] {
            let path = directory + "/cut-\(fraction).jpg"
            try Fixtures.write(data.prefix(Int(Double(data.count) * fraction)), to: path)
            assertDataError(naming: path, "truncated JPEG") { try Image(contentsOf: path) }
        }
        let header = directory + "/header-only.jpg"
        try Fixtures.write(data.prefix(40), to: header)
        assertDataError(naming: header, "truncated JPEG") { try Image(contentsOf: header) }
    }

    func testCorruptJPEGSaysSoAndNamesTheFile() throws {
        let garbage: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x00, 0x00, 0x00, 0x03]
            + [UInt8](repeating: 0x5A, count: 64)
        assertDataError(naming: "bad.jpg", "corrupt JPEG") { try Image.decodeJPEG(garbage, source: "bad.jpg") }
        var data = try readFile(Fixtures.path("jpeg_rgb_420.jpg"))
        // An SOF with zero width.
        let sof = (0..<data.count - 1).first { data[$0] == 0xFF && data[$0 + 1] == 0xC0 }!
        data[sof + 7] = 0; data[sof + 8] = 0
        assertDataError(naming: "zero-width.jpg", "corrupt JPEG") { try Image.decodeJPEG(data, source: "zero-width.jpg") }
        assertDataError(naming: "empty.jpg", "empty") { try Image.decodeJPEG([], source: "empty.jpg") }
    }

    func testDamagedEntropyDataDecodesAsPILDoes() throws {
        // libjpeg-turbo warns about corrupt entropy data and goes on; PIL keeps such images.
        var data = try readFile(Fixtures.path("jpeg_large.jpg"))
        let sos = (0..<data.count - 1).first { data[$0] == 0xFF && data[$0 + 1] == 0xDA }!
        for i in stride(from: sos + 40, to: data.count - 40, by: 97) where data[i] != 0xFF && data[i - 1] != 0xFF {
            data[i] ^= 0x5A
        }
        let image = try Image.decodeJPEG(data)
        XCTAssertEqual([image.width, image.height, image.channels], [64, 40, 3])
    }
}
