import Foundation
import XCTest
import GraftCore
@testable import GraftData

/// Sizes that images could reach (a long, thin file resized; a pipeline argument) are
/// bounded before anything is allocated for them.
final class ImageLimitTests: XCTestCase {
    /// A 10,000,000 × 1 image resized to a shorter side of 224 would be 2.24 × 10⁹ pixels.
    func testResizingALongThinImageIsRefused() throws {
        let thin = try Image(width: 10_000_000, height: 1, channels: 1, pixels: [UInt8](repeating: 9, count: 10_000_000))
        for resize in [{ try thin.resize(shorterSide: 224) }, { try thin.resizeAndCenterCrop(shorterSide: 256, crop: 224) },
                       { var g = RandomGenerator(seed: 0); return try Resize(shorterSide: 224).apply(thin, using: &g) }] {
            XCTAssertThrowsError(try resize()) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("resize: resizing a 10000000×1 image to a shorter side of 2") && message.hasSuffix(
                    "would make more than \(Image.maximumPixelCount) pixels, the limit"), message)
            }
        }
        XCTAssertEqual(try thin.resize(shorterSide: 2).width, 20_000_000 / 1)
    }

    func testPipelineArgumentsAreBounded() throws {
        let cases: [(spec: String, words: String)] = [
            ("random-resized-crop(100000)", "'size=100000': random-resized-crop's size must be between 1 and 4096"),
            ("resize(5000x10)", "'size=5000x10': resize's size must be N or WxH with sides between 1 and 4096"),
            ("center-crop(0)", "center-crop's size must be between 1 and 4096"),
            ("random-crop(32, padding=100000)", "random-crop's padding must be between 0 and 4096"),
            ("random-resized-crop(224, ratio=1e-30-1e30)", "random-resized-crop's ratio must be within 0.01…100"),
            ("random-resized-crop(224, scale=0.5-1e30)", "random-resized-crop's scale must be within 0.001…1"),
            ("hflip(2)", "hflip's p must be between 0.0 and 1.0"),
            ("rotate(1e30)", "rotate's degrees must be within -360.0…360.0"),
            ("affine(scale=1-1e9)", "affine's scale must be within 0.001…10.0"),
            ("elastic(sigma=1e30)", "elastic's sigma must be between"),
            ("grid-distortion(steps=1000000000)", "grid-distortion's steps must be between 1 and 256"),
            ("color-jitter(1e30)", "color-jitter's brightness must be between 0.0 and 10.0"),
            ("pca-lighting(1e30)", "pca-lighting's std must be between 0.0 and 10.0"),
            ("grayscale(channels=7)", "grayscale's channels must be between 1 and 3"),
            ("normalize, random-erasing(ratio=0-1e30)", "random-erasing's ratio must be within 0.01…100"),
            ("normalize, random-erasing(value=1e39)", "random-erasing's value must be a number"),
        ]
        for (spec, words) in cases {
            XCTAssertThrowsError(try Pipeline(spec: spec, mean: [0], std: [1]), spec) { error in
                XCTAssertTrue("\(error)".contains(words), "\(spec): \(error)")
            }
        }
        XCTAssertNoThrow(try Pipeline(spec: "random-resized-crop(4096, scale=0.001-1, ratio=0.01-100), rotate(360)", mean: [0], std: [1]))
    }

    func testConvertingToAnUnsupportedChannelCountSaysWhatIsSupported() throws {
        let image = try Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])
        XCTAssertThrowsError(try image.converted(channels: 7)) { error in
            XCTAssertEqual("\(error)", "image channels: cannot make a 7-channel image from a 3-channel one; Graft converts images "
                               + "to 1 (grey), 3 (RGB) or 4 (RGBA) channels, so the model must take 1 or 3")
        }
    }

    /// A JPEG header declaring 60000 × 60000 pixels (over the pixel limit) or 13000 × 13000
    /// (inside it, but far more than the file's bytes can code) in a file of a few hundred bytes.
    func testJPEGDeclaringHugeDimensionsIsRefused() throws {
        var jpeg = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("jpeg_rgb_444.jpg"))))
        guard let sof = (0..<jpeg.count - 8).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }) else {
            return XCTFail("no SOF marker")
        }
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0xEA, 0x60, 0xEA, 0x60])
        XCTAssertThrowsError(try Image.decode(jpeg, source: "huge.jpg")) { error in
            XCTAssertTrue("\(error)".hasPrefix("huge.jpg: JPEG of 60000×60000 pixels exceeds the limit"), "\(error)")
        }
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0x32, 0xC8, 0x32, 0xC8])
        XCTAssertNil(EncodedImage.partialDecoding(of: jpeg))
        XCTAssertThrowsError(try Image.decode(jpeg, source: "big.jpg")) { error in
            XCTAssertTrue("\(error)".hasPrefix("big.jpg: JPEG of 13000×13000 pixels in \(jpeg.count) bytes"), "\(error)")
        }
    }
}
