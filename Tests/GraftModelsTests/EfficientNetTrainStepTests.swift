import Foundation
import GraftCore
@testable import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

/// One training step of EfficientNet-B0 against torchvision's, with dropout and stochastic
/// depth off on both sides (`torch_reference.py --train-step` sets their p to 0).
final class EfficientNetTrainStepTests: XCTestCase {
    func testOneSGDStepMatchesTorchvision() throws {
        let reference = try TorchReference.generate(model: "efficientnet_b0", size: 224, trainStep: true)
        defer { reference.cleanUp() }
        let model = try EfficientNet(width: 1.0, depth: 1.0, dropout: 0, stochasticDepthProbability: 0)
        try TrainStepParity.check(model, reference, "efficientnet_b0")
    }

    /// Block i of the N blocks drops its residual branch with probability 0.2 · i / N, as
    /// torchvision's `stochastic_depth_prob * stage_block_id / total_stage_blocks`.
    func testStochasticDepthGrowsLinearlyOverTheBlocks() throws {
        let model = try Init.withoutInitialisation { try EfficientNet.efficientnet_b0(numClasses: 3) }
        let blocks = model.features.layers.dropFirst().dropLast().flatMap { ($0 as! Sequential).layers }.map { $0 as! MBConv }
        XCTAssertEqual(blocks.count, 16)
        for (i, block) in blocks.enumerated() {
            XCTAssertEqual(block.stochasticDepth.p, 0.2 * Float(i) / 16, accuracy: 1e-7)
            XCTAssertEqual(block.stochasticDepth.mode, .row)
        }
        XCTAssertEqual(blocks.map(\.usesResidual).filter { $0 }.count, 9)
    }
}
