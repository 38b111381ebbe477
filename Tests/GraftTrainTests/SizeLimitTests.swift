import Foundation
import GraftCore
import GraftIO
import GraftModels
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// Every size from a flag or from checkpoint metadata is bounded where it enters, with an
/// error naming the flag, or the file and the key (issue 13, defect 3).
final class SizeLimitTests: XCTestCase {
    func testSizeFlagsAreBounded() throws {
        let data = FileManager.default.temporaryDirectory.path
        let cases: [(TrainingOption, (inout TransferOptions) -> Void)] = [
            (.imageSize, { $0.imageSize = 100_000 }),
            (.hidden, { $0.hidden = [1_000_000_000_000] }),
            (.hidden, { $0.hidden = Array(repeating: 8, count: 100) }),
            (.batchSize, { $0.batchSize = 100_000_000 }),
            (.cacheViews, { $0.cacheViews = 1_000_000 }),
            (.epochs, { $0.epochs = Int.max }),
            (.workers, { $0.workers = 1_000_000 }),
        ]
        for (flag, change) in cases {
            var o = TransferOptions(model: "lenet5", data: data)
            change(&o)
            XCTAssertThrowsError(try o.validate(), flag.rawValue) { error in
                XCTAssertEqual((error as? TrainingOptionError)?.option, flag, "\(error)")
            }
        }
        var o = TransferOptions(model: "lenet5", data: data)
        o.imageSize = Preprocessing.maximumInputSize; o.hidden = [HeadConfig.maximumHiddenWidth]
        XCTAssertNoThrow(try o.validate())
    }

    /// Metadata sizes out of range are refused before anything is built: the error names the
    /// file and the key (`inputSize: 1e6` once aborted, `hidden: [1e12]` trapped in the pool).
    func testCheckpointMetadataSizesAreBounded() throws {
        let folder = try temporaryFolder("metadata")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spec = try ModelZoo.spec("lenet5")
        let head = HeadConfig(classes: 2)
        let model = try spec.make(head: head)
        let good = CheckpointMetadata(architecture: "lenet5", head: head, classNames: ["a", "b"], preprocessing: spec.preprocessing)
        let path = folder + "/hostile.safetensors"
        let cases: [(String, (inout CheckpointMetadata) -> Void)] = [
            ("'preprocessing.inputSize' is 1000000", { $0.preprocessing.inputSize = 1_000_000 }),
            ("'preprocessing.resizeShorter' is -3", { $0.preprocessing.resizeShorter = -3 }),
            ("'preprocessing.channels' is 7", { $0.preprocessing.channels = 7 }),
            ("'preprocessing.mean' has 2 values", { $0.preprocessing.mean = [0, 0] }),
            ("'preprocessing.std[0]' is 0.0", { $0.preprocessing.std = [0] }),
            ("'head.hidden[0]' is 1000000000000", { $0.head.hidden = [1_000_000_000_000] }),
            ("'head.classes' is 1000000000", { $0.head.classes = 1_000_000_000 }),
        ]
        for (message, change) in cases {
            var metadata = good
            change(&metadata)
            try saveWeights(model, to: path, metadata: [CheckpointMetadata.key: try MetadataJSON.encode(metadata)])
            XCTAssertThrowsError(try loadCheckpoint(path), message) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(path): bad metadata: \(message)"), "\(error)")
            }
        }
        try saveWeights(model, to: path, metadata: [CheckpointMetadata.key: try MetadataJSON.encode(good)])
        XCTAssertNoThrow(try loadCheckpoint(path))
    }
}
