import Foundation
import XCTest
@testable import GraftTrain

/// What Graft prints for people and programs: aligned tables, top-k only where it means
/// something, JSON that leaves slashes alone, errors without internal type names.
final class ConsoleOutputTests: XCTestCase {
    func testDisplayWidthCountsWideCharactersTwiceAndMarksNever() {
        XCTAssertEqual(displayWidth("cat"), 3)
        XCTAssertEqual(displayWidth("猫"), 2)
        XCTAssertEqual(displayWidth("ｃａｔ"), 6)             // fullwidth Latin
        XCTAssertEqual(displayWidth("e\u{301}te\u{301}"), 3)  // combining acute accents
        XCTAssertEqual(displayWidth("🐱"), 2)
        XCTAssertEqual(displayWidth("👍🏽"), 2)
        XCTAssertEqual(displayWidth("❤️"), 2)
        XCTAssertEqual(padded("猫", toWidth: 5), "猫   ")
    }

    private func result(classes: [String]) throws -> EvaluationResult {
        let labels = Array(classes.indices)
        var probabilities = [Float](repeating: 0, count: classes.count * classes.count)
        for i in labels { probabilities[i * classes.count + i] = 1 }
        let metrics = try ClassificationMetrics(probabilities: probabilities, labels: labels, classNames: classes)
        return EvaluationResult(members: [MemberEvaluation(name: "run/best.safetensors", metrics: metrics, probabilities: probabilities)],
                                ensemble: metrics, probabilities: probabilities, labels: labels, misclassified: [], skipped: [])
    }

    func testTheClassTableStaysAlignedWithWideNames() throws {
        let table = evaluationTable(try result(classes: ["cat", "猫猫", "café", "🐱 kitten"]))
        let rows = table.split(separator: "\n").drop { !$0.hasPrefix("class") }.dropFirst().map(String.init)
        XCTAssertEqual(rows.count, 4, table)
        let columns = rows.map { row in displayWidth(String(row.prefix { !$0.isNumber })) }
        XCTAssertEqual(Set(columns).count, 1, "columns start at \(columns):\n\(table)")
    }

    func testTopFiveOnlyWithMoreThanFiveClasses() throws {
        XCTAssertFalse(evaluationTable(try result(classes: ["a", "b", "c"])).contains("top-5"))
        XCTAssertTrue(evaluationTable(try result(classes: ["a", "b", "c", "d", "e", "f"])).contains("top-5"))
        let page = try TrainingReportPage(title: "t", metrics: try result(classes: ["a", "b", "c"]).ensemble).html()
        XCTAssertFalse(page.contains("top-5") || page.contains("top-3"), page)
    }

    func testJSONKeepsSlashes() throws {
        let prediction = Prediction(path: "photos/cat.jpg", top: [ClassScore(index: 0, label: "a/b", probability: 1)], logits: [1])
        XCTAssertTrue(prediction.jsonLine(includeLogits: false).contains("\"photos/cat.jpg\""), prediction.jsonLine(includeLogits: false))
        XCTAssertTrue(try MetadataJSON.encode(["data": "photos/train"]).contains("photos/train"))
        XCTAssertTrue(jsonObjectLine(["out": "runs/a"]).contains("runs/a"))
    }

    func testFeatureCacheFollowsXDGCacheHomeThenHome() {
        XCTAssertEqual(FeatureCache(environment: ["HOME": "/home/ann", "XDG_CACHE_HOME": "/cache"]).directory, "/cache/graft/features")
        XCTAssertEqual(FeatureCache(environment: ["HOME": "/home/ann"]).directory, "/home/ann/.cache/graft/features")
        XCTAssertEqual(FeatureCache(environment: ["HOME": "/home/ann", "XDG_CACHE_HOME": "relative"]).directory,
                       "/home/ann/.cache/graft/features")
        XCTAssertEqual(FeatureCache(directory: "/mine", environment: ["HOME": "/home/ann"]).directory, "/mine")
    }

    func testPredictFoldersLeaveOutFormatsGraftCannotDecode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("graft-formats-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["a.jpg", "b.PNG", "c.webp", "d.tif", "e.bmp", "notes.txt"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data([0])))
        }
        var unsupported: [String] = []
        XCTAssertEqual(try imagePaths([folder]) { unsupported.append($0) }, [folder + "/a.jpg", folder + "/b.PNG"])
        XCTAssertEqual(unsupported.sorted(), ["c.webp", "d.tif", "e.bmp"].map { folder + "/" + $0 })
    }

    func testEmptyScoringSaysWhatIsEmpty() {
        XCTAssertThrowsError(try ClassificationMetrics(probabilities: [], labels: [], classNames: ["a", "b"])) { error in
            XCTAssertFalse("\(error)".contains("ClassificationMetrics"), "\(error)")
            XCTAssertTrue("\(error)".contains("no labelled images"), "\(error)")
        }
    }
}
