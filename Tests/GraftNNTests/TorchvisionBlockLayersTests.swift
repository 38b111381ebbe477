import GraftCore
@testable import GraftNN
import XCTest

/// The layers torchvision's newer families build their blocks from: names as torchvision's
/// `state_dict()` and `named_children()`, and each runs the ops it stands for.
final class TorchvisionBlockLayersTests: XCTestCase {
    func testSqueezeExcitationHasTorchvisionNamesAndScalesTheInput() throws {
        let se = try SqueezeExcitation(inputChannels: 16, squeezeChannels: 4)
        // torchvision.ops.misc.SqueezeExcitation(16, 4): named_children() and state_dict().keys().
        XCTAssertEqual(se.children.map(\.0), ["avgpool", "fc1", "fc2", "activation", "scale_activation"])
        XCTAssertEqual(se.stateDict().map(\.0), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        XCTAssertEqual(se.stateDict().map(\.1.shape), [[4, 16, 1, 1], [4], [16, 4, 1, 1], [16]])
        XCTAssertTrue(se.activation is ReLU && se.scaleActivation is Sigmoid)

        let x = seededTensor([2, 16, 5, 5], seed: 1)
        let pooled = try adaptiveAvgPool2d(x, outputSize: (1, 1))
        let hidden = try relu(conv2d(pooled, weight: se.fc1.weight, bias: se.fc1.bias))
        let scale = try sigmoid(conv2d(hidden, weight: se.fc2.weight, bias: se.fc2.bias)).toArray()
        let expected = x.toArray().enumerated().map { Double($0.element) * Double(scale[$0.offset / 25]) }
        assertNear(try se(x).toArray(), expected, rtol: 1e-5, atol: 1e-6)
    }

    func testSqueezeExcitationTakesOtherActivationsAndTrains() throws {
        let se = try SqueezeExcitation(inputChannels: 8, squeezeChannels: 2, activation: SiLU(), scaleActivation: Hardsigmoid())
        XCTAssertEqual(se.stateDict().map(\.0), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        XCTAssertTrue(se.activation is SiLU && se.scaleActivation is Hardsigmoid)
        let x = seededTensor([2, 8, 3, 3], seed: 2)
        x.requiresGrad = true
        let pooled = try adaptiveAvgPool2d(x, outputSize: (1, 1))
        let scale = try hardsigmoid(conv2d(silu(conv2d(pooled, weight: se.fc1.weight, bias: se.fc1.bias)),
                                          weight: se.fc2.weight, bias: se.fc2.bias)).toArray()
        assertNear(try se(x).toArray(), x.toArray().enumerated().map { Double($0.element) * Double(scale[$0.offset / 9]) },
                   rtol: 1e-5, atol: 1e-6)
        try sum(se(x)).backward()
        XCTAssertNotNil(x.grad)
        XCTAssertTrue(se.parameters().allSatisfy { $0.grad != nil }, "every parameter gets a gradient")
    }

    func testLayerNorm2dHasTorchvisionNamesAndDefaults() throws {
        // torchvision.models.convnext.LayerNorm2d(8, eps=1e-6).state_dict().keys().
        let ln = LayerNorm2d(8)
        XCTAssertEqual(ln.stateDict().map(\.0), ["weight", "bias"])
        XCTAssertEqual(ln.weight.toArray(), [Float](repeating: 1, count: 8))
        XCTAssertEqual(ln.bias.toArray(), [Float](repeating: 0, count: 8))
        XCTAssertEqual(ln.eps, 1e-6)
        ln.weight.assign(seededTensor([8], seed: 3))
        ln.bias.assign(seededTensor([8], seed: 4))
        let x = seededTensor([2, 8, 3, 3], seed: 5)
        XCTAssertEqual(try ln(x).toArray(), try layerNorm2d(x, weight: ln.weight, bias: ln.bias, eps: 1e-6).toArray())
        try sum(ln(x)).backward()
        XCTAssertNotNil(ln.weight.grad)
        XCTAssertNotNil(ln.bias.grad)
    }

    func testStochasticDepthDropsInTrainingOnlyAndIsReproducibleBySeed() throws {
        let x = seededTensor([32, 4, 2, 2], seed: 6)
        let a = StochasticDepth(p: 0.5, generator: RandomGenerator(seed: 7))
        let b = StochasticDepth(p: 0.5, mode: .row, generator: RandomGenerator(seed: 7))
        XCTAssertTrue(a.stateDict().isEmpty)
        let ya = try a(x).toArray()
        XCTAssertEqual(ya, try b(x).toArray())
        let rows = stride(from: 0, to: ya.count, by: 16).map { Array(ya[$0..<($0 + 16)]) }
        XCTAssertTrue(rows.contains { $0.allSatisfy { $0 == 0 } }, "some samples are dropped whole")
        a.eval()
        XCTAssertEqual(try a(x).toArray(), x.toArray())
        XCTAssertThrowsError(try StochasticDepth(p: 1.5)(x))
    }
}
