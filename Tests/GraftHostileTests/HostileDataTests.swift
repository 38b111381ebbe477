import CZlib
import Foundation
import GraftData
import XCTest
import GraftTestSupport

/// Data sets and images that once trapped, exhausted memory or were misread by `graft augment`
/// (which reads data as `train` and `evaluate` do).
final class HostileDataTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder("data") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func augment(_ data: String, _ transforms: String = "hflip") throws -> ChildRun {
        try runGraftChild(["augment", "--data", data, "--transforms", transforms, "--out", folder + "/grid.png"])
    }

    static func idxHeader(_ dims: [UInt32]) -> [UInt8] {
        [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in (0..<4).map { UInt8(truncatingIfNeeded: d >> (24 - 8 * $0)) } }
    }

    /// Writes the four IDX files, the training images file from `images`.
    func writeIDX(images: Data, name: String = "train-images-idx3-ubyte") throws -> String {
        let dir = folder + "/idx"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try images.write(to: URL(fileURLWithPath: dir + "/" + name))
        let one = Data(Self.idxHeader([1, 1, 1]) + [0])
        try one.write(to: URL(fileURLWithPath: dir + "/t10k-images-idx3-ubyte"))
        for split in ["train", "t10k"] {
            try Data(Self.idxHeader([1]) + [0]).write(to: URL(fileURLWithPath: dir + "/\(split)-labels-idx1-ubyte"))
        }
        return dir
    }

    func testIDXDimensionsThatOverflowAreRefused() throws {
        let dir = try writeIDX(images: Data(Self.idxHeader([0xffff_ffff, 0xffff_ffff, 0xffff_ffff]) + [0]))
        assertCleanExit(try augment(dir), status: 1, mentions: ["train-images-idx3-ubyte", "exceed the limit"])
    }

    /// A 3 MB gzip file that would inflate to 3 GiB (48 concatenated members of 64 MiB of
    /// zeros) behind a header promising one 1×1 image.
    func testGzipBombIsInflatedOnlyAsFarAsItsHeaderSays() throws {
        let member = folder + "/zeros.gz"
        guard let zeros = gzopen(member, "wb9") else { return XCTFail("gzopen") }
        _ = [UInt8](repeating: 0, count: 64 << 20).withUnsafeBytes { gzwrite(zeros, $0.baseAddress, UInt32($0.count)) }
        gzclose(zeros)
        let head = folder + "/head.gz"
        guard let file = gzopen(head, "wb") else { return XCTFail("gzopen") }
        _ = (Self.idxHeader([1, 1, 1]) + [0]).withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
        var bomb = try Data(contentsOf: URL(fileURLWithPath: head))
        let compressed = try Data(contentsOf: URL(fileURLWithPath: member))
        for _ in 0..<48 { bomb.append(compressed) }
        let dir = try writeIDX(images: bomb, name: "train-images-idx3-ubyte.gz")
        assertCleanExit(try augment(dir), status: 1, mentions: ["train-images-idx3-ubyte.gz", "more than the 1 bytes of data"])
    }

    func testOutOfRangeIDXLabelIsNamed() throws {
        let dir = try writeIDX(images: Data(Self.idxHeader([3, 1, 1]) + [0, 0, 0]))
        try Data(Self.idxHeader([3]) + [0, 200, 1]).write(to: URL(fileURLWithPath: dir + "/train-labels-idx1-ubyte"))
        assertCleanExit(try augment(dir), status: 1, mentions: ["train-labels-idx1-ubyte", "label 200 at index 1 is out of range"])
    }

    /// A 10,000,000 × 1 PNG (tiny on disk) resized to a shorter side of 224.
    func testLongThinPNGIsRefusedBeforeResizing() throws {
        let dir = folder + "/thin/cls"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let thin = try Image(width: 10_000_000, height: 1, channels: 1, pixels: [UInt8](repeating: 9, count: 10_000_000))
        try thin.writePNG(to: dir + "/thin.png")
        assertCleanExit(try augment(folder + "/thin", "resize(224)"), status: 1, mentions: ["10000000×1 image", "pixels, the limit"])
    }

    /// A JPEG declaring 13000 × 13000 pixels (inside the pixel limit) in a few hundred bytes.
    func testJPEGDeclaringHugeDimensionsStaysSmall() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images/jpeg_rgb_444.jpg")
        var jpeg = Array(try Data(contentsOf: fixture))
        guard let sof = (0..<jpeg.count - 8).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else { return XCTFail("no SOF") }
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0x32, 0xC8, 0x32, 0xC8])
        let dir = folder + "/big/cls"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(jpeg).write(to: URL(fileURLWithPath: dir + "/big.jpg"))
        assertCleanExit(try augment(folder + "/big"), status: 1, mentions: ["big.jpg", "too few bytes"])
    }

    /// `a/up -> ..` would pull class b into class a.
    func testDirectoryLinkBackToTheRootIsRefused() throws {
        for path in ["/folder/a/x.png", "/folder/b/y.png"] {
            try FileManager.default.createDirectory(atPath: folder + (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]).writePNG(to: folder + path)
        }
        try FileManager.default.createSymbolicLink(atPath: folder + "/folder/a/up", withDestinationPath: "..")
        assertCleanExit(try augment(folder + "/folder"), status: 1, mentions: ["the root folder is reached again as a/up"])
    }
}
