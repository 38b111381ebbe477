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
        let trained = try XCTUnwrap(reference.trained)
        let model = try ResNet.resnet18()
        try model.loadStateDict(reference.stateDict, strict: true)
        model.train()
        let optimizer = try SGD(parameters: model.parameters(), lr: 0.01, momentum: 0.9)
        let batch = reference.input.shape[0]
        let loss = try crossEntropy(model(reference.input), labels: Tensor(labels: Array(0..<batch)))
        optimizer.zeroGrad()
        try loss.backward()
        try optimizer.step()

        let torchLoss = try XCTUnwrap(reference.loss)
        XCTAssertEqual(loss.item, torchLoss, accuracy: 1e-4 * abs(torchLoss), "loss")
        let before = Dictionary(reference.stateDict, uniquingKeysWith: { a, _ in a })
        var worstValue = (key: "", difference: Float(0)), worstChange = (key: "", difference: Float(0))
        XCTAssertEqual(model.stateDict().map(\.0), trained.map(\.0))
        for ((key, ours), (_, theirs)) in zip(model.stateDict(), trained) {
            if key.hasSuffix("num_batches_tracked") {
                XCTAssertEqual(ours.int64Values, [1], key)
                continue
            }
            let (a, b) = (ours.toArray(), theirs.toArray())
            let value = maxRelativeDifference(a, b)
            XCTAssertLessThanOrEqual(value, 1e-4, "\(key) after the step")
            if value > worstValue.difference { worstValue = (key, value) }
            // The change itself, small beside the values, so that the gradients (and the
            // running statistics' update) must agree, not only the weights. Both sides are
            // rounded to float32 values, which may differ by one unit in the last place.
            let start = try XCTUnwrap(before[key]).toArray()
            let (ourChange, theirChange) = (zip(a, start).map { $0 - $1 }, zip(b, start).map { $0 - $1 })
            let largestChange = theirChange.map(abs).max() ?? 0
            let rounding = Float.ulpOfOne * (b.map(abs).max() ?? 0)
            let changeError = zip(ourChange, theirChange).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(changeError, 1e-4 * largestChange + rounding, "\(key): the step's change")
            let relative = changeError / max(largestChange, .leastNormalMagnitude)
            if relative > worstChange.difference { worstChange = (key, relative) }
        }
        print("resnet18 SGD step: loss \(loss.item) vs \(torchLoss); worst value \(worstValue); worst change \(worstChange)")
    }
}
