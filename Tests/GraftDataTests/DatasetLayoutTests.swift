import Foundation
import XCTest
@testable import GraftData

final class DatasetLayoutTests: XCTestCase {
    func testTrainValTestFolders() throws {
        let root = try DatasetTrees.make(["train/cat/1.png", "train/cat/2.png", "train/dog/3.png",
                                          "valid/cat/4.png", "valid/dog/5.png", "test/dog/6.png", "test/cat/7.png"])
        let layout = try DatasetLayout(root: root)
        XCTAssertFalse(layout.needsSplit)
        XCTAssertEqual(layout.train.root, root + "/train")
        XCTAssertEqual(layout.validation?.root, root + "/valid")
        XCTAssertEqual(layout.test?.paths, [root + "/test/cat/7.png", root + "/test/dog/6.png"])
        let (train, validation) = try layout.trainAndValidation(validationFraction: 0.5, seed: 1)
        XCTAssertEqual([train.count, validation.count], [3, 2])
        XCTAssertEqual(validation.classNames, ["cat", "dog"])
    }

    func testEveryValidationName() throws {
        for name in DatasetLayout.validationNames {
            let root = try DatasetTrees.make(["train/a/1.png", "\(name)/a/2.png"])
            XCTAssertEqual(try DatasetLayout(root: root).validation?.root, root + "/" + name)
        }
    }

    func testMismatchedClassesNameTheSplitAndTheClasses() throws {
        let root = try DatasetTrees.make(["train/cat/1.png", "train/dog/2.png", "train/emu/3.png",
                                          "val/cat/4.png", "val/dog/5.png", "val/fox/6.png"])
        assertDatasetError(.classMismatch(split: "val", directory: root + "/val", missing: ["emu"], extra: ["fox"])) {
            try DatasetLayout(root: root)
        }
        let message = DatasetError.classMismatch(split: "val", directory: root + "/val", missing: ["emu"], extra: ["fox"]).description
        XCTAssertTrue(message.contains("val split") && message.contains("lacks emu") && message.contains("has fox"), message)

        let accents = try DatasetTrees.make(["train/\u{E9}/1.png", "val/e\u{301}/2.png"])
        assertDatasetError(.classMismatch(split: "val", directory: accents + "/val", missing: ["\u{E9}"], extra: ["e\u{301}"])) {
            try DatasetLayout(root: accents)
        }

        let testRoot = try DatasetTrees.make(["train/cat/1.png", "train/dog/2.png", "test/cat/3.png"])
        assertDatasetError(.classMismatch(split: "test", directory: testRoot + "/test", missing: ["dog"], extra: [])) {
            try DatasetLayout(root: testRoot)
        }
    }

    func testPlainImageFolderNeedsASplit() throws {
        let root = try DatasetTrees.make((0..<10).map { "cat/\($0).png" } + (0..<4).map { "dog/\($0).png" })
        let layout = try DatasetLayout(root: root)
        XCTAssertTrue(layout.needsSplit)
        XCTAssertNil(layout.test)
        XCTAssertEqual(layout.train.classNames, ["cat", "dog"])
        let (train, validation) = try layout.trainAndValidation(validationFraction: 0.25, seed: 3)
        XCTAssertEqual(validation.classCounts, [3, 1])
        XCTAssertEqual(train.classCounts, [7, 3])
    }

    func testTrainWithTestButNoValidationNeedsASplit() throws {
        let root = try DatasetTrees.make(["train/a/1.png", "train/a/2.png", "test/a/3.png"])
        let layout = try DatasetLayout(root: root)
        XCTAssertTrue(layout.needsSplit)
        XCTAssertEqual(layout.test?.count, 1)
    }

    func testValidationWithoutTrainAndTwoValidationFoldersAreErrors() throws {
        let noTrain = try DatasetTrees.make(["val/a/1.png", "other/a/2.png"])
        assertDatasetError(.layout(directory: noTrain, reason: "has val/ but no train/")) { try DatasetLayout(root: noTrain) }
        let two = try DatasetTrees.make(["train/a/1.png", "val/a/2.png", "validation/a/3.png"])
        XCTAssertThrowsError(try DatasetLayout(root: two)) { error in
            XCTAssertTrue("\(error)".contains("val/ and validation/"), "\(error)")
        }
    }
}
