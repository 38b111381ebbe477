import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

/// Graft models saved as safetensors load into torchvision with `strict=True`, and what
/// torchvision saves back reads into Graft bit for bit.
final class ExportTests: XCTestCase {
    func testZooModelsExportToTorchvisionAndBackExactly() throws {
        let torchvisionModels = ModelZoo.specs.map(\.name).filter { torchvisionExports.contains($0) }
        XCTAssertFalse(torchvisionModels.isEmpty)
        try assertExportsToTorchvisionAndBack(torchvisionModels)
    }

    func testEfficientNetsAndRegNetExportToTorchvisionAndBackExactly() throws {
        try assertExportsToTorchvisionAndBack(["efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
                                               "regnet_y_400mf"])
    }

    /// Each zoo model of `names`, saved as safetensors, loads into torchvision with
    /// `strict=True`, and what torchvision saves back reads into Graft bit for bit.
    private func assertExportsToTorchvisionAndBack(_ names: [String]) throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graft-export-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in names {
            let model = try ModelZoo.spec(name).make(numClasses: 10)
            // Make the BatchNorm counters non-trivial so they are checked too.
            for (key, t) in model.stateDict() where key.hasSuffix("num_batches_tracked") { t.assign(Tensor(int64: [7], shape: [])) }
            let exported = "\(directory)/\(name).safetensors", back = "\(directory)/\(name).pth"
            try saveWeights(model, to: exported)
            try runPython([fixtures + "/torchvision_load.py", name, "10", exported, back])
            let original = model.stateDict()
            let returned = try readWeights(back)
            XCTAssertEqual(returned.map(\.0), original.map(\.0), name)
            for ((key, a), (_, b)) in zip(original, returned) {
                XCTAssertEqual(a.shape, b.shape, key)
                if a.dtype == .int64 { XCTAssertEqual(a.int64Values, b.int64Values, key) } else { XCTAssertEqual(a.toArray(), b.toArray(), key) }
            }
        }
    }

    /// The real EfficientNet-Lite0 checkpoint: Graft → safetensors → PyTorch (torch.save) → Graft is exact.
    func testEfficientNetLite0RoundTripIsExact() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let checkpoint = repository.appendingPathComponent(".cache/efficientnet-lite0-57934424.pth").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graft-export-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try ModelZoo.spec("efficientnet_lite0").make(numClasses: 1000)
        try loadWeights(into: model, from: checkpoint)
        try saveWeights(model, to: directory + "/lite0.safetensors")
        try runPython([repository.appendingPathComponent("Tests/Fixtures/torch_files.py").path, "roundtrip",
                       directory + "/lite0.safetensors", directory + "/lite0.pth"])
        let again = try ModelZoo.spec("efficientnet_lite0").make(numClasses: 1000)
        try loadWeights(into: again, from: directory + "/lite0.pth")
        for ((key, a), (_, b)) in zip(model.stateDict(), again.stateDict()) where a.dtype == .float32 {
            XCTAssertEqual(a.toArray(), b.toArray(), key)
        }
    }

    /// Architectures torchvision 0.14 has, as the zoo names them.
    let torchvisionExports: Set<String> = [
        "alexnet", "vgg11", "vgg11_bn", "resnet18", "resnext50_32x4d", "squeezenet1_1", "mobilenet_v2",
        "googlenet", "inception_v3",
        "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v2_x1_0", "convnext_tiny",
    ]
}
