import XCTest
@testable import GraftData

private struct Counts: Dataset {
    let labels: [Int]
    let classNames: [String]
    init(_ counts: [(String, Int)]) {
        classNames = counts.map(\.0)
        labels = counts.enumerated().flatMap { i, c in [Int](repeating: i, count: c.1) }
    }
    var count: Int { labels.count }
    func label(at index: Int) -> Int { labels[index] }
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image { try Image(width: 1, height: 1, channels: 1, pixels: [0]) }
}

final class DatasetSummaryTests: XCTestCase {
    func testCountsAndText() {
        let counts = [("x", 80), ("y", 410)] + (0..<10).map { ("c\($0)", 263) }
        let summary = DatasetSummary(Counts(counts), skippedFiles: ["a.txt", "b.csv", "c.md", "d.json"])
        XCTAssertEqual(summary.total, 3_120)
        XCTAssertEqual(summary.classCounts.first, 80)
        XCTAssertEqual(summary.smallest?.name, "x")
        XCTAssertEqual(summary.largest?.count, 410)
        XCTAssertEqual(summary.imbalanceRatio, 410.0 / 80.0)
        XCTAssertEqual(summary.description, "12 classes, 3,120 images; smallest 'x' 80, largest 'y' 410 (imbalance 5.1×); "
                       + "skipped 4 non-image files: a.txt, b.csv, c.md, …")
    }

    func testBalancedSingleAndEmptyClasses() {
        XCTAssertEqual(DatasetSummary(Counts([("a", 1_000_000), ("b", 1_000_000)])).description,
                       "2 classes, 2,000,000 images; 1,000,000 per class")
        XCTAssertEqual(DatasetSummary(Counts([("a", 1)])).description, "1 class, 1 image")
        let withEmpty = DatasetSummary(Counts([("a", 3), ("b", 0)]), skippedFiles: ["n.txt"])
        XCTAssertEqual(withEmpty.imbalanceRatio, .infinity)
        XCTAssertEqual(withEmpty.description, "2 classes, 3 images; smallest 'b' 0, largest 'a' 3; 1 class has no images; "
                       + "skipped 1 non-image file: n.txt")
    }

    func testImageFolderSummaryCarriesSkippedFiles() throws {
        let root = try DatasetTrees.make(["cat/a.png", "cat/b.png", "dog/c.png", "dog/notes.txt"])
        XCTAssertEqual(DatasetSummary(try ImageFolder(root: root)).description,
                       "2 classes, 3 images; smallest 'dog' 1, largest 'cat' 2 (imbalance 2.0×); skipped 1 non-image file: dog/notes.txt")
    }
}
