import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// Checkpoints whose metadata asks for absurd sizes: refused with an error naming the file and
/// the key, before anything is allocated (issue 13, defect 3: `inputSize: 1e6` aborted,
/// `hidden: [1e12]` trapped in the memory pool).
final class HostileCheckpointMetadataTests: XCTestCase {
    func testAbsurdSizesInCheckpointMetadataAreNamed() throws {
        let folder = try temporaryFolder("metadata")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = folder + "/grey.png"
        try Image(width: 32, height: 32, channels: 1, pixels: [UInt8](repeating: 90, count: 32 * 32)).writePNG(to: image)
        let spec = try ModelZoo.spec("lenet5")
        let head = HeadConfig(classes: 2)
        let model = try spec.make(head: head)
        let good = CheckpointMetadata(architecture: "lenet5", head: head, classNames: ["a", "b"], preprocessing: spec.preprocessing)
        let cases: [(String, (inout CheckpointMetadata) -> Void)] = [
            ("preprocessing.inputSize", { $0.preprocessing.inputSize = 1_000_000 }),
            ("preprocessing.resizeShorter", { $0.preprocessing.resizeShorter = 1_000_000_000 }),
            ("head.hidden[0]", { $0.head.hidden = [1_000_000_000_000] }),
            ("head.classes", { $0.head.classes = 1_000_000_000_000 }),
        ]
        for (key, change) in cases {
            var metadata = good
            change(&metadata)
            let path = folder + "/\(key).safetensors"
            try saveWeights(model, to: path, metadata: [CheckpointMetadata.key: try MetadataJSON.encode(metadata)])
            assertCleanExit(try runGraftChild(["predict", "--model", path, image]), status: 1, mentions: [path, "'\(key)'"])
        }
    }
}
