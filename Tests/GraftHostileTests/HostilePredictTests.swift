import Foundation
import XCTest
import GraftTestSupport
import Graft

/// Images whose decoded size is small but whose resize is huge: `graft predict` once used 20 GB
/// on a 29 KB 10,000,000 × 1 PNG and trapped ("failed to allocate 104510870512 bytes") on a
/// 178,956,970 × 1 one, inside the pixel limit.
final class HostilePredictTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryFolder("predict") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    static let weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path

    func testLongThinPNGsAreRefusedNamingTheFile() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: HostilePredictTests.weights), "needs make weights")
        for width in [10_000_000, Image.maximumPixelCount] {
            let path = folder + "/thin-\(width).png"
            try Image(width: width, height: 1, channels: 1, pixels: [UInt8](repeating: 0, count: width)).writePNG(to: path)
            let run = try runGraftChild(["predict", "--model", "efficientnet_lite0", "--weights", HostilePredictTests.weights, path])
            assertCleanExit(run, status: 1, mentions: [path, "\(width)×1", "limit"])
        }
    }
}
