import Foundation
import XCTest
@testable import GraftData

/// The committed fixtures of Tests/Fixtures/images (written by Tests/Fixtures/make_images.py)
/// and their reference pixels.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images").path

    static func path(_ name: String) -> String { directory + "/" + name }

    struct Reference: Decodable {
        let width: Int, height: Int, channels: Int, hex: String

        var image: Image {
            var bytes: [UInt8] = []
            var digits = hex.makeIterator()
            while let hi = digits.next(), let lo = digits.next() { bytes.append(UInt8(String([hi, lo]), radix: 16)!) }
            return try! Image(width: width, height: height, channels: channels, pixels: bytes)
        }
    }

    struct Scaled: Decodable { let file: String, minimumShorterSide: Int, image: Reference }
    struct Resize: Decodable { let source: String, shorterSide: Int?, width: Int?, height: Int?, image: Reference }
    struct Crop: Decodable { let source: String, height: Int, width: Int, image: Reference }
    struct ResizeCrop: Decodable { let source: String, shorterSide: Int, crop: Int, image: Reference }

    struct Expected: Decodable {
        let decode: [String: Reference]
        let scaledJPEG: [Scaled]
        let resize: [Resize]
        let centerCrop: [Crop]
        let resizeAndCenterCrop: [ResizeCrop]
    }

    static let expected: Expected = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: path("expected.json")))
        return try! JSONDecoder().decode(Expected.self, from: data)
    }()

    /// The reference image of fixture `name`.
    static func reference(_ name: String) -> Image { expected.decode[name]!.image }

    /// Writes `bytes` to the file at `path`.
    static func write(_ bytes: some Sequence<UInt8>, to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A fresh temporary directory for files a test writes.
    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("graft-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

/// Asserts that two images have the same size and channels and differ by at most `tolerance`
/// levels in any byte; returns the largest difference.
@discardableResult
func assertPixels(_ actual: Image, _ expected: Image, tolerance: Int = 0, _ message: String = "",
                  file: StaticString = #filePath, line: UInt = #line) -> Int {
    guard (actual.width, actual.height, actual.channels) == (expected.width, expected.height, expected.channels) else {
        XCTFail("\(message): \(actual.width)×\(actual.height)×\(actual.channels), expected "
                + "\(expected.width)×\(expected.height)×\(expected.channels)", file: file, line: line)
        return Int.max
    }
    var worst = 0, worstIndex = 0
    for (i, (a, e)) in zip(actual.pixels, expected.pixels).enumerated() where abs(Int(a) - Int(e)) > worst {
        worst = abs(Int(a) - Int(e)); worstIndex = i
    }
    if worst > tolerance {
        let c = worstIndex % actual.channels, p = worstIndex / actual.channels
        XCTFail("\(message): pixel (x \(p % actual.width), y \(p / actual.width)) channel \(c) is "
                + "\(actual.pixels[worstIndex]), expected \(expected.pixels[worstIndex]) (tolerance \(tolerance))",
                file: file, line: line)
    }
    return worst
}

/// Asserts that `body` throws a `DataError` whose message names `file` and contains `words`.
func assertDataError(naming file: String, _ words: String, file testFile: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> Any) {
    XCTAssertThrowsError(try body(), file: testFile, line: line) { error in
        guard let dataError = error as? DataError else {
            return XCTFail("expected a DataError, got \(error)", file: testFile, line: line)
        }
        let message = dataError.description
        XCTAssertTrue(message.hasPrefix(file + ": "), "\(message) does not name \(file)", file: testFile, line: line)
        XCTAssertTrue(message.contains(words), "\(message) does not say \(words)", file: testFile, line: line)
    }
}
