import Foundation
import GraftData
@testable import GraftTrain
import XCTest
import GraftTestSupport

final class TrainingSubsetTests: XCTestCase {
    private func readSubset(_ path: String) throws -> TrainingSubset {
        try JSONDecoder().decode(TrainingSubset.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A run on Fashion-MNIST writes `subset.json`: read straight from the IDX file it names,
    /// the pixels and labels at its training and validation indices are those of the images the
    /// run's data sets hold, in order; the test part is every t10k image.
    func testSubsetFileNamesTheImagesTheRunTrainedOn() throws {
        try requireFashionMNIST()
        let out = try temporaryFolder("subset")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var o = TransferOptions(model: "lenet5", data: fashionMNISTDirectory)
        o.out = out; o.epochs = 1; o.perClass = 3; o.valLimit = 20; o.workers = 2
        _ = try runTransferTraining(o, reporter: CollectingReporter())
        let subset = try readSubset(RunFiles(out).subset)
        let data = try TrainingData(o)

        let trainSource = try XCTUnwrap(subset.train.source)
        XCTAssertTrue(trainSource.hasPrefix(fashionMNISTDirectory) && trainSource.contains("train-images-idx3-ubyte"), trainSource)
        XCTAssertEqual(subset.validation.source, trainSource)
        let (dims, pixels) = try IDX.readBytes(trainSource)
        let side = dims[1] * dims[2]
        for (part, dataset) in [(subset.train, data.train), (subset.validation, data.validation)] {
            XCTAssertEqual(part.indices.count, dataset.count)
            XCTAssertNil(part.files)
            for (i, index) in part.indices.enumerated() {
                XCTAssertEqual(Array(pixels[(index * side)..<((index + 1) * side)]),
                               try dataset.image(at: i, minimumShorterSide: nil).pixels, "sample \(i), index \(index)")
                XCTAssertEqual(part.labels[i], dataset.label(at: i))
            }
        }
        XCTAssertEqual(subset.train.indices.count, 30)
        XCTAssertEqual(subset.validation.indices.count, 20)
        XCTAssertTrue(Set(subset.train.indices).isDisjoint(with: subset.validation.indices))
        XCTAssertEqual(Set(subset.train.labels).count, 10)
        let test = try XCTUnwrap(subset.test)
        XCTAssertTrue(try XCTUnwrap(test.source).contains("t10k-images-idx3-ubyte"))
        XCTAssertEqual(test.indices, Array(0..<10_000))
        XCTAssertEqual(subset.classNames, IDXDataset.fashionMNISTClasses)
        XCTAssertEqual(subset.data, fashionMNISTDirectory)
    }

    /// An ImageFolder's subset lists each sample's file, in the class folder of its label.
    func testImageFolderSubsetListsTheFiles() throws {
        let root = try makeSyntheticImageFolder(perClass: 6)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var o = TransferOptions(model: "lenet5", data: root)
        o.perClass = 4; o.valFraction = 0.3
        let data = try TrainingData(o)
        let subset = try TrainingSubset(data, dataPath: root)
        XCTAssertNil(subset.train.source)
        XCTAssertNil(subset.test)
        for (part, dataset) in [(subset.train, data.train), (subset.validation, data.validation)] {
            let files = try XCTUnwrap(part.files)
            XCTAssertEqual(files, (0..<dataset.count).compactMap { dataset.source(at: $0) })
            XCTAssertEqual(files.count, dataset.count)
            for (file, label) in zip(files, part.labels) {
                XCTAssertEqual((file as NSString).deletingLastPathComponent.components(separatedBy: "/").last, subset.classNames[label])
            }
        }
        XCTAssertEqual(subset.train.indices.count, 12)
        XCTAssertTrue(Set(try XCTUnwrap(subset.train.files)).isDisjoint(with: try XCTUnwrap(subset.validation.files)))
        let path = root + "/subset.json"
        try subset.write(to: path)
        XCTAssertEqual(try readSubset(path), subset)
    }
}
