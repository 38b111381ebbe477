import Foundation
import XCTest
@testable import GraftData

final class CSVDatasetTests: XCTestCase {
    func write(_ csv: String, images: [String]) throws -> (root: String, file: String) {
        let root = try DatasetTrees.make(images)
        let file = root + "/labels.csv"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        return (root, file)
    }

    func testClassNamesWithHeader() throws {
        let (root, file) = try write("\u{FEFF}Path, Label\nimg/a.png,dog\nimg/b.png,cat\r\nimg/c.png,dog\n\n",
                                     images: ["img/a.png", "img/b.png", "img/c.png"])
        let data = try CSVDataset(file: file)
        XCTAssertEqual(data.classNames, ["cat", "dog"])
        XCTAssertEqual(data.labels, [1, 0, 1])
        XCTAssertEqual(data.paths, [root + "/img/a.png", root + "/img/b.png", root + "/img/c.png"])
        XCTAssertEqual(try data.image(at: 1, minimumShorterSide: nil), try Image(contentsOf: root + "/img/b.png"))
    }

    func testIntegerLabelsWithoutHeaderAndAnAbsolutePath() throws {
        let elsewhere = try DatasetTrees.make(["far.png"]) + "/far.png"
        let (root, file) = try write("a.png,2\nb.png, 0\n\(elsewhere),1\n", images: ["a.png", "b.png"])
        let data = try CSVDataset(file: file)
        XCTAssertEqual(data.classNames, ["0", "1", "2"])
        XCTAssertEqual(data.labels, [2, 0, 1])
        XCTAssertEqual(data.paths, [root + "/a.png", root + "/b.png", elsewhere])
        XCTAssertEqual(data.classCounts, [1, 1, 1])
    }

    /// A label above a class no row names is out of range; the error names it, its line and
    /// the gap, and a huge label allocates nothing.
    func testOutOfRangeIntegerLabelIsNamed() throws {
        let (_, file) = try write("path,label\na.png,0\nb.png,1000000\nc.png,1\n", images: ["a.png", "b.png", "c.png"])
        XCTAssertThrowsError(try CSVDataset(file: file)) { error in
            XCTAssertEqual(error as? DatasetError, .csv(file: file, line: 3, reason: "label 1000000 is out of range: no row has label 2, "
                                                            + "and integer labels number the classes 0…N−1"))
        }
    }

    func testNamesThatLookLikeNumbersStayNamesWhenMixed() throws {
        let (_, file) = try write("a.png,10\nb.png,9\nc.png,cat\n", images: ["a.png", "b.png", "c.png"])
        let data = try CSVDataset(file: file)
        XCTAssertEqual(data.classNames, ["10", "9", "cat"])
        XCTAssertEqual(data.labels, [0, 1, 2])
    }

    func testLabelsAreDistinctByCodePoints() throws {
        let (_, file) = try write("a.png,\u{E9}\nb.png,e\u{301}\nc.png,\u{E8}\nd.png,\u{E9}\n", images: ["a.png", "b.png", "c.png", "d.png"])
        let data = try CSVDataset(file: file)
        XCTAssertEqual(data.classNames.map { Array($0.unicodeScalars) }, [["e", "\u{301}"], ["\u{E8}"], ["\u{E9}"]])
        XCTAssertEqual(data.labels, [2, 0, 1, 2])
    }

    func testQuotedFields() throws {
        let images = ["a, b.png", "say \"hi\".png", "two\nlines.png"]
        let csv = "path,label\n\"a, b.png\",\"big, red\"\n\"say \"\"hi\"\".png\",x\n\"two\nlines.png\",x\n"
        let (root, file) = try write(csv, images: images)
        let data = try CSVDataset(file: file)
        XCTAssertEqual(data.paths, images.map { root + "/" + $0 })
        XCTAssertEqual(data.classNames, ["big, red", "x"])
    }

    func testBadLinesNameTheFileAndLine() throws {
        let cases: [(csv: String, line: Int, words: String)] = [
            ("path,label\na.png,x\nb.png\n", 3, "1 field"),
            ("a.png,x,extra\n", 1, "3 fields"),
            ("a.png,x\n,x\n", 2, "empty path"),
            ("a.png,\n", 1, "empty label"),
            ("a.png,1\na.png,-1\n", 2, "negative"),
            ("a.png,x\nmissing.png,x\n", 2, "does not exist"),
            ("a.png,x\n\"a.png,x\n", 2, "never closed"),
            ("a.png,x\n\"a.png\"z,x\n", 2, "after a closing quote"),
            ("a.png,x\n\"multi\nline\",x\nb\"c.png,x\n", 4, "quote inside an unquoted field"),
        ]
        let notUTF8 = try write("a.png,x\n", images: ["a.png"]).file
        try Data("a.png,x\na.png,x\na.png,\u{FF}\n".utf8.map { $0 == 0xC3 ? 0xFF : $0 }).write(to: URL(fileURLWithPath: notUTF8))
        XCTAssertThrowsError(try CSVDataset(file: notUTF8)) { error in
            XCTAssertEqual("\(error)", "\(notUTF8):3: not UTF-8 text")
        }
        for (csv, line, words) in cases {
            let (_, file) = try write(csv, images: ["a.png"])
            XCTAssertThrowsError(try CSVDataset(file: file), csv) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("\(file):\(line): "), "\(csv): \(message)")
                XCTAssertTrue(message.contains(words), "\(csv): \(message)")
            }
        }
    }

    func testEmptyListingIsAnError() throws {
        let (_, file) = try write("path,label\n", images: [])
        XCTAssertThrowsError(try CSVDataset(file: file)) { error in
            XCTAssertEqual(error as? DataError, .corrupt(file: file, reason: "no path,label rows"))
        }
    }
}
