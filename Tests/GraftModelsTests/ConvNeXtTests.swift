import Foundation
import GraftCore
@testable import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

/// ConvNeXt-T against torchvision 0.14: parity of names, initialisation and logits, one SGD
/// step, and the transfer facts the model declares.
final class ConvNeXtTests: XCTestCase {
    func testConvNeXtTinyMatchesTorchvision() throws {
        try ZooParity.check("convnext_tiny")
    }

    /// Train mode with stochastic depth off on both sides, on a 64×64 batch of 2. torchvision
    /// initialises `layer_scale` to 1e-6, which leaves the residual branches out of the logits
    /// and their weights' gradients near zero; the reference draws it from U(0.1, 1) instead,
    /// so the eval logits, the loss and every gradient depend on every block.
    func testOneSGDStepMatchesTorchvision() throws {
        let classes = 10
        let reference = try TorchReference.generate(model: "convnext_tiny", size: 64, classes: classes, trainStep: true,
                                                    options: ["--random-layer-scale"])
        defer { reference.cleanUp() }
        let model = try ConvNeXt.convnext_tiny(numClasses: classes, stochasticDepthProbability: 0)
        try model.loadStateDict(reference.stateDict, strict: true)

        model.eval()
        let logits = try GradMode.withoutGradients { try model(reference.input) }
        let logitsDifference = maxRelativeDifference(logits.toArray(), reference.logits)
        XCTAssertLessThanOrEqual(logitsDifference, 1e-4, "eval logits")
        print(String(format: "convnext_tiny eval logits max rel diff %.2e", logitsDifference))

        try TrainStepParity.check(model, reference, "convnext_tiny")
    }

    func testTransferFacts() throws {
        let model = try Init.withoutInitialisation { try ModelZoo.spec("convnext_tiny").make(numClasses: 3) }
        XCTAssertEqual(model.headPath, "classifier.2")
        XCTAssertEqual(model.stagePaths, (0...7).map { "features.\($0)" } + ["classifier.0", "classifier.2"])
        XCTAssertTrue(model.auxiliaryHeadPaths.isEmpty)
        let spec = try ModelZoo.spec("convnext_tiny")
        XCTAssertEqual(spec.preprocessing.inputSize, 224)
        XCTAssertEqual(spec.preprocessing.resizeShorter, 236)
    }

    /// torchvision's `stochastic_depth_prob · block_id / (total_blocks − 1)`: 0 for the first of
    /// the 18 blocks, 0.1 for the last.
    func testStochasticDepthGrowsLinearlyOverTheBlocks() throws {
        let model = try Init.withoutInitialisation { try ConvNeXt.convnext_tiny() }
        let blocks = model.namedModules().compactMap { $0.1 as? CNBlock }
        XCTAssertEqual(blocks.count, 18)
        for (k, block) in blocks.enumerated() {
            XCTAssertEqual(block.stochasticDepth.p, Float(0.1 * Double(k) / 17), accuracy: 1e-7, "block \(k)")
            XCTAssertEqual(block.stochasticDepth.mode, .row)
        }
        let off = try Init.withoutInitialisation { try ConvNeXt.convnext_tiny(stochasticDepthProbability: 0) }
        XCTAssertTrue(off.namedModules().compactMap { ($0.1 as? CNBlock)?.stochasticDepth.p }.allSatisfy { $0 == 0 })
    }

    /// `forwardHead(forwardFeatures(x))` is `forward(x)`, the features being the classifier's
    /// LayerNorm and flatten output.
    func testFeaturesThenHeadIsTheForwardPass() throws {
        let model = try ModelZoo.spec("convnext_tiny").make(numClasses: 3)
        model.eval()
        let shape = [2, 3, 64, 64]
        let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919) % 101) / 50 - 1 })
        let features = try GradMode.withoutGradients { try model.forwardFeatures(x) }
        XCTAssertEqual(features.shape, [2, 768])
        let viaHead = try GradMode.withoutGradients { try model.forwardHead(features) }
        let whole = try GradMode.withoutGradients { try model(x) }
        XCTAssertEqual(viaHead.toArray(), whole.toArray())
    }
}
