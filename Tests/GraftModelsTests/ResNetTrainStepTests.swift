import Foundation
import GraftCore
@testable import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

/// One training step of ResNet-18 against torchvision's: train-mode forward (batch
/// statistics), cross-entropy, backward and one SGD step with momentum.
final class ResNetTrainStepTests: XCTestCase {
    /// At 224×224 the reference's input puts some ReLU and max-pool inputs within float32
    /// rounding of their kinks: torch's own float32 and float64 gradients then differ by up
    /// to 10 % (layer4.1.conv2). At 112×112 they agree within 1e-5, so the comparison
    /// measures Graft rather than rounding luck.
    func testOneSGDStepMatchesTorchvision() throws {
        let reference = try TorchReference.generate(model: "resnet18", size: 112, trainStep: true)
        defer { reference.cleanUp() }
        try TrainStepParity.check(try ResNet.resnet18(), reference, "resnet18")
    }
}
