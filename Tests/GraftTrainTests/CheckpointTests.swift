import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class CheckpointTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "graft-checkpoint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private let head = HeadConfig(classes: 3, hidden: [16], dropout: 0.5)

    private func metadata(classNames: [String] = ["cat", "dog", "eel"]) throws -> CheckpointMetadata {
        CheckpointMetadata(architecture: "lenet5", head: head, classNames: classNames,
                           preprocessing: try ModelZoo.spec("lenet5").preprocessing,
                           recipe: ["freeze": "head", "epochs": "3"], epoch: 3, metrics: ["val_top1": 0.75, "val_loss": .nan])
    }

    /// What is saved comes back: the architecture with its head, every tensor bit for bit, the
    /// metadata, the model in eval mode; neither saving nor loading touches the global generator.
    func testRoundTrip() throws {
        GlobalRandom.seed(7)
        let model = try ModelZoo.spec("lenet5").make(head: head)
        let path = directory + "/best.safetensors"
        let generator = GlobalRandom.generator
        try saveCheckpoint(model, metadata: metadata(), to: path)
        let loaded = try loadCheckpoint(path)
        XCTAssertEqual(GlobalRandom.generator, generator)
        XCTAssertEqual(loaded.spec.name, "lenet5")
        XCTAssertEqual(loaded.metadata.classNames, ["cat", "dog", "eel"])
        XCTAssertEqual(loaded.metadata.recipe, ["freeze": "head", "epochs": "3"])
        XCTAssertEqual(loaded.metadata.head, head)
        XCTAssertEqual(loaded.metadata.epoch, 3)
        XCTAssertEqual(loaded.metadata.metrics["val_top1"], 0.75)
        XCTAssertTrue(loaded.metadata.metrics["val_loss"]!.isNaN)
        XCTAssertFalse(loaded.model.namedModules().contains { $0.1.training })
        XCTAssertEqual(loaded.model.stateDict().map(\.0), model.stateDict().map(\.0))
        for ((key, a), (_, b)) in zip(loaded.model.stateDict(), model.stateDict()) {
            XCTAssertEqual(a.toArray().map(\.bitPattern), b.toArray().map(\.bitPattern), key)
        }
        // The metadata is one JSON string under "graft"; the file stays a plain safetensors file.
        let raw = try SafeTensors.readMetadata(path)
        XCTAssertEqual(Array(raw.keys), ["graft"])
        XCTAssertTrue(raw["graft"]!.contains(#""architecture":"lenet5""#), raw["graft"]!)
        XCTAssertEqual(try readWeights(path).count, model.stateDict().count)
        XCTAssertEqual(try readCheckpointMetadata(path).classNames.count, 3)
    }

    /// A plain weight file, a PyTorch file and a file that is no weight file at all.
    func testOtherFilesAreNotCheckpoints() throws {
        let plain = directory + "/plain.safetensors"
        try saveWeights(try ModelZoo.spec("lenet5").make(numClasses: 10), to: plain, metadata: ["format": "pt"])
        XCTAssertThrowsError(try loadCheckpoint(plain)) { error in
            XCTAssertEqual(error as? CheckpointError, .notAGraftCheckpoint(file: plain))
            XCTAssertEqual("\(error)", "\(plain) is not a Graft checkpoint (it has no 'graft' metadata); for a plain weight file use `model` NAME `weights` \(plain)")
        }
        let zip = directory + "/model.pth"
        try Data([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 60)).write(to: URL(fileURLWithPath: zip))
        XCTAssertThrowsError(try loadCheckpoint(zip)) { error in
            XCTAssertEqual(error as? CheckpointError, .notAGraftCheckpoint(file: zip))
        }
        let text = directory + "/notes.txt"
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try loadCheckpoint(text)) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)")
        }
        XCTAssertThrowsError(try loadCheckpoint(directory + "/missing.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("missing.safetensors"), "\(error)")
        }
    }

    /// Metadata that cannot describe the weights: each error names the file and the fault.
    func testBadMetadata() throws {
        let model = try ModelZoo.spec("lenet5").make(head: head)
        let path = directory + "/bad.safetensors"
        func write(_ json: String) throws { try saveWeights(model, to: path, metadata: ["graft": json]) }
        func expect(_ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try loadCheckpoint(path), line: line) { error in
                XCTAssertEqual("\(error)", "\(path): " + message, line: line)
            }
        }
        let good = try MetadataJSON.encode(metadata())
        try write(good.replacingOccurrences(of: "lenet5", with: "lenet9"))
        expect("unknown architecture 'lenet9'; known models: \(ModelZoo.names.joined(separator: ", "))")
        try write("{not json")
        expect("bad metadata: not valid JSON")
        try write(#"{"architecture": "lenet5"}"#)
        XCTAssertThrowsError(try loadCheckpoint(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): bad metadata: missing field '"), "\(error)")
        }
        try write(good.replacingOccurrences(of: #""classes":3"#, with: #""classes":"three""#))
        expect("bad metadata: field 'head.classes' has the wrong type")
        try write(good.replacingOccurrences(of: #""eel""#, with: #""eel","fox""#))
        expect("4 class names for a head with 3 outputs")
        try write(good.replacingOccurrences(of: #""formatVersion":1"#, with: #""formatVersion":2"#))
        expect("bad metadata: format version 2 is newer than this Graft reads (1)")
        try write(good.replacingOccurrences(of: #""dropout":0.5"#, with: #""dropout":1.5"#))
        expect("bad metadata: 'head.dropout' is 1.5, not in [0, 1)")
        // Weights that do not fit the head the metadata describes.
        try saveWeights(try ModelZoo.spec("lenet5").make(head: HeadConfig(classes: 4, hidden: [16])), to: path,
                        metadata: ["graft": good])
        XCTAssertThrowsError(try loadCheckpoint(path)) { error in
            guard case WeightFileError.incompatible(let file, _)? = error as? WeightFileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(file, path)
        }
    }

    /// A checkpoint written before preprocessing recorded its interpolation (no such key) loads
    /// as bilinear, the filter it was made with; a bicubic one comes back bicubic; an unknown
    /// filter is refused, naming the field.
    func testPreprocessingInterpolation() throws {
        let model = try ModelZoo.spec("lenet5").make(head: head)
        let path = directory + "/interpolation.safetensors"
        let current = try MetadataJSON.encode(metadata())
        let key = #""interpolation":"bilinear","#
        XCTAssertTrue(current.contains(key), current)
        try saveWeights(model, to: path, metadata: ["graft": current.replacingOccurrences(of: key, with: "")])
        let old = try loadCheckpoint(path).metadata
        XCTAssertEqual(old.preprocessing.interpolation, .bilinear)
        XCTAssertEqual(old.preprocessing, try metadata().preprocessing)

        var bicubic = try metadata()
        bicubic.preprocessing.interpolation = .bicubic
        try saveCheckpoint(model, metadata: bicubic, to: path)
        XCTAssertEqual(try readCheckpointMetadata(path).preprocessing, bicubic.preprocessing)

        try saveWeights(model, to: path, metadata: ["graft": current.replacingOccurrences(of: key, with: #""interpolation":"lanczos","#)])
        XCTAssertThrowsError(try loadCheckpoint(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): bad metadata: field 'preprocessing.interpolation'"), "\(error)")
        }
    }

    /// Saving refuses metadata that does not describe the model, and writes nothing.
    func testSavingChecksTheMetadataAgainstTheModel() throws {
        let path = directory + "/never.safetensors"
        let other = try ModelZoo.spec("lenet5").make(numClasses: 3)
        XCTAssertThrowsError(try saveCheckpoint(other, metadata: metadata(), to: path)) { error in
            XCTAssertEqual("\(error)", "\(path): bad metadata: the model's state dict does not match lenet5 with head 16-3")
        }
        let model = try ModelZoo.spec("lenet5").make(head: head)
        XCTAssertThrowsError(try saveCheckpoint(model, metadata: metadata(classNames: ["a"]), to: path)) { error in
            XCTAssertEqual(error as? CheckpointError, .classCountMismatch(file: path, classNames: 1, headClasses: 3))
        }
        XCTAssertThrowsError(try saveCheckpoint(model, metadata: metadata(), to: directory + "/no/such/dir/x.safetensors"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }
}
