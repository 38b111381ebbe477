import GraftCore
import GraftModels
@testable import GraftNN
import XCTest

final class FrozenTrunkTests: XCTestCase {
    /// With everything but the head frozen, backward runs the loss's and, of the network, only
    /// the head's weight gradient. Nothing is recorded below it; no frozen weight gets a gradient.
    func testFrozenTrunkRunsOnlyTheHeadsBackward() throws {
        let model = try LeNet5(numClasses: 10)
        model.freeze()
        model.unfreeze(["fc3"])
        let x = seededTensor([4, 1, 32, 32], seed: 1)
        let loss = try crossEntropy(model(x), labels: Tensor(labels: [1, 2, 3, 4]))
        Engine.shared.resetExecutionCounts()
        try loss.backward()
        let backward = Engine.shared.executionCounts.filter { $0.key.contains("backward") }
        XCTAssertEqual(backward, ["log_softmax.backward": 1, "linear.backward_weights": 1], "\(Engine.shared.executionCounts)")
        for (name, p) in model.namedParameters() {
            if name.hasPrefix("fc3.") { XCTAssertNotNil(p.grad, name) } else { XCTAssertNil(p.grad, name) }
        }
    }

    /// With the last two layers trainable, the gradient flows through fc3 into fc2 and stops.
    func testPartlyFrozenTrunkStopsAtTheLowestTrainableLayer() throws {
        let model = try LeNet5(numClasses: 10)
        model.freeze(["conv1", "conv2", "fc1"])
        let x = seededTensor([4, 1, 32, 32], seed: 1)
        let loss = try crossEntropy(model(x), labels: Tensor(labels: [1, 2, 3, 4]))
        Engine.shared.resetExecutionCounts()
        try loss.backward()
        let counts = Engine.shared.executionCounts
        XCTAssertEqual(counts["linear.backward_weights"], 2)
        XCTAssertEqual(counts["linear.backward_data"], 1)  // into fc2's output only
        XCTAssertNil(counts["conv2d.backward_data"])
        XCTAssertNil(counts["conv2d.backward_weights"])
        XCTAssertNil(counts["max_pool2d.backward"])
    }

    func testInferenceModeRecordsNothing() throws {
        let model = try LeNet5(numClasses: 10)
        let y = try GradMode.withoutGradients { try model(seededTensor([2, 1, 32, 32], seed: 1)) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward(gradient: Tensor.ones(y.shape)))
    }
}
