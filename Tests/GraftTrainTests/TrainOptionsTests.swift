import Foundation
import GraftData
@testable import GraftTrain
import XCTest

final class TrainOptionsTests: XCTestCase {
    func testUnknownModelListsKnownModels() {
        XCTAssertThrowsError(try TrainOptions(model: "lenet7", data: "/tmp").validate()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("--model 'lenet7'"), text)
            XCTAssertTrue(text.contains("lenet5"), text)
        }
    }

    func testDataDirectoryWithoutIDXFilesNamesTheFilesItLookedFor() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graft-empty-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try runTraining(TrainOptions(model: "lenet5", data: dir, epochs: 1), reporter: TextReporter())) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(dir), text)
            for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
                XCTAssertTrue(text.contains(name), "\(text) does not name \(name)")
            }
        }
    }

    func testBadFlagsNameTheFlag() {
        let cases: [(TrainOptions, String)] = [
            (TrainOptions(model: "lenet5", data: "/tmp", epochs: 0), "--epochs"),
            (TrainOptions(model: "lenet5", data: "/tmp", batchSize: 0), "--batch-size"),
            (TrainOptions(model: "lenet5", data: "/tmp", optimizer: "rmsprop"), "--optimizer"),
            (TrainOptions(model: "lenet5", data: "/tmp", schedule: "linear"), "--schedule"),
            (TrainOptions(model: "lenet5", data: "/nonexistent-graft"), "--data"),
        ]
        for (options, flag) in cases {
            XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains(flag), "\($0)") }
        }
    }

    func testCorruptIDXFileIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graft-bad-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([0, 0, 8, 3, 0, 0]))
        }
        XCTAssertThrowsError(try IDXDataset(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("train-images-idx3-ubyte"), "\(error)")
        }
    }
}
