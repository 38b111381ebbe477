import XCTest
@testable import GraftData

/// Reading image files: the codec follows the bytes, not the extension, and every failure
/// names the file.
final class ImageFileTests: XCTestCase {
    func testCodecIsChosenByMagicBytesNotExtension() throws {
        let directory = try Fixtures.temporaryDirectory()
        let pngNamedJPEG = directory + "/really-a-png.jpg", jpegNamedPNG = directory + "/really-a-jpeg.png"
        try Fixtures.write(try readFile(Fixtures.path("png_rgb8.png")), to: pngNamedJPEG)
        try Fixtures.write(try readFile(Fixtures.path("jpeg_grey.jpg")), to: jpegNamedPNG)
        assertPixels(try Image(contentsOf: pngNamedJPEG), Fixtures.reference("png_rgb8.png"))
        assertPixels(try Image(contentsOf: jpegNamedPNG), Fixtures.reference("jpeg_grey.jpg"), tolerance: 2)
    }

    func testUnsupportedFormatsSayWhatTheyAre() throws {
        let directory = try Fixtures.temporaryDirectory()
        let cases: [(String, [UInt8], String)] = [
            ("anim.jpg", Array("GIF89a\u{1}\0\u{1}\0".utf8), "unsupported image format: GIF"),
            ("bitmap.png", Array("BM".utf8) + [UInt8](repeating: 0, count: 30), "unsupported image format: BMP"),
            ("photo.jpg", Array("RIFF\0\0\0\0WEBPVP8 ".utf8), "unsupported image format: WebP"),
            ("notes.jpg", Array("hello, world\n".utf8), "neither JPEG nor PNG (it looks like text)"),
            ("empty.png", [], "the file is empty"),
        ]
        for (name, bytes, words) in cases {
            let path = directory + "/" + name
            try Fixtures.write(bytes, to: path)
            assertDataError(naming: path, words) { try Image(contentsOf: path) }
        }
    }

    func testMissingFileAndDirectoryAreUnreadable() throws {
        let directory = try Fixtures.temporaryDirectory()
        assertDataError(naming: directory + "/nope.jpg", "cannot read (No such file or directory)") {
            try Image(contentsOf: directory + "/nope.jpg")
        }
        assertDataError(naming: directory, "cannot read (Is a directory)") { try Image(contentsOf: directory) }
    }

    func testMinimumShorterSidePassesToTheJPEGDecoderOnly() throws {
        XCTAssertEqual(try Image(contentsOf: Fixtures.path("jpeg_large.jpg"), minimumShorterSide: 10).width, 16)
        XCTAssertEqual(try Image(contentsOf: Fixtures.path("resize_src_rgb.png"), minimumShorterSide: 2).width, 37)
    }

    func testDamagedFilesThrowOrDecodeButNeverCrash() throws {
        let names = Fixtures.expected.decode.keys.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        var failures = 0, attempts = 0
        for name in names {
            let data = try readFile(Fixtures.path(name))
            for i in stride(from: 0, to: data.count, by: max(1, data.count / 23)) {
                var flipped = data
                flipped[i] ^= 0xA5
                for damaged in [flipped, Array(data.prefix(i))] {
                    attempts += 1
                    do {
                        let image = try Image.decode(damaged, source: name)
                        XCTAssertEqual(image.pixels.count, image.width * image.height * image.channels)
                    } catch let error as DataError {
                        failures += 1
                        XCTAssertTrue(error.description.hasPrefix(name + ": "), error.description)
                    }
                }
            }
        }
        XCTAssertGreaterThan(failures, attempts / 2)
    }
}
