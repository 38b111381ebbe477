import GraftCore
import XCTest
@testable import GraftData

/// PNG decoding against reference pixels computed from the samples each fixture was written
/// with (and checked against PIL by make_images.py), the encoder, and damaged files.
final class PNGCodecTests: XCTestCase {
    func testEveryColourTypeAndBitDepth() throws {
        let names = Fixtures.expected.decode.keys.filter { $0.hasPrefix("png_") }.sorted()
        XCTAssertEqual(names.count, 19)
        for name in names {
            let image = try Image(contentsOf: Fixtures.path(name))
            assertPixels(image, Fixtures.reference(name), name)
            XCTAssertEqual(image.channels, name.hasPrefix("png_grey") ? 1 : 3, name)
        }
        for name in ["resize_src_rgb.png", "resize_src_grey.png"] {  // written by PIL, filtered rows
            assertPixels(try Image(contentsOf: Fixtures.path(name)), Fixtures.reference(name), name)
        }
    }

    func testEncodeDecodeRoundTrip() throws {
        for channels in [1, 3, 4] {
            let pixels = (0..<(11 * 7 * channels)).map { UInt8(($0 * 37 + 11) % 256) }
            let image = try Image(width: 11, height: 7, channels: channels, pixels: pixels)
            let png = try image.encodePNG()
            XCTAssertEqual(ImageFormat(sniffing: png), .png)
            let decoded = try Image.decodePNG(png)
            // An RGBA image comes back as RGB: the decoder drops alpha.
            assertPixels(decoded, try image.converted(channels: channels == 1 ? 1 : 3), "\(channels) channels")
        }
        let image = Fixtures.reference("resize_src_rgb.png")
        let path = try Fixtures.temporaryDirectory() + "/written.png"
        try image.writePNG(to: path)
        XCTAssertEqual(try Image(contentsOf: path), image)
    }

    func testWritingWhereNoFileCanBeNamesThePath() throws {
        let image = Fixtures.reference("png_grey8.png")
        let path = try Fixtures.temporaryDirectory() + "/missing/out.png"
        assertDataError(naming: path, "cannot write") { try image.writePNG(to: path) }
    }

    func testTruncatedPNGSaysSoAndNamesTheFile() throws {
        let data = try readFile(Fixtures.path("resize_src_rgb.png"))
        let directory = try Fixtures.temporaryDirectory()
        for cut in [20, data.count / 2, data.count - 30] {  // in the header, in IDAT
            let path = directory + "/cut-\(cut).png"
            try Fixtures.write(data.prefix(cut), to: path)
            assertDataError(naming: path, "truncated PNG") { try Image(contentsOf: path) }
        }
    }

    func testCorruptPNGSaysSoAndNamesTheFile() throws {
        let data = try readFile(Fixtures.path("resize_src_rgb.png"))
        var badCRC = data
        badCRC[data.count / 2] ^= 0x01  // inside IDAT: its checksum no longer matches
        assertDataError(naming: "crc.png", "corrupt PNG") { try Image.decodePNG(badCRC, source: "crc.png") }
        var badHeader = data
        badHeader[16...19] = [0, 0, 0, 0]  // width 0
        assertDataError(naming: "header.png", "corrupt PNG") { try Image.decodePNG(badHeader, source: "header.png") }
        var huge = data
        huge[16...23] = [0, 0x40, 0, 0, 0, 0x40, 0, 0]  // 4 194 304 × 4 194 304
        huge.replaceSubrange(29..<33, with: crc32(huge[12..<29]))
        assertDataError(naming: "huge.png", "exceeds the limit") { try Image.decodePNG(huge, source: "huge.png") }
    }
}

/// The CRC-32 of PNG chunks, big-endian.
private func crc32(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    return [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
}
