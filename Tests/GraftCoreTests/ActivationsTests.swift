import Foundation
import XCTest
@testable import GraftCore

/// An activation under test with its naive Double reference, the input range that exercises
/// it, and the points where its derivative jumps (finite differences must not straddle them).
struct ActivationCase {
    let name: String
    let op: (Tensor) throws -> Tensor
    let reference: (Double) -> Double
    var range: (Double, Double) = (-3, 3)
    var kinks: [Double] = []
}

let activationCases: [ActivationCase] = [
    ActivationCase(name: "relu", op: { try relu($0) }, reference: { max($0, 0) }, kinks: [0]),
    ActivationCase(name: "relu6", op: { try relu6($0) }, reference: { min(max($0, 0), 6) }, range: (-2, 8), kinks: [0, 6]),
    ActivationCase(name: "leakyReLU", op: { try leakyReLU($0) }, reference: { $0 > 0 ? $0 : 0.01 * $0 }, kinks: [0]),
    ActivationCase(name: "leakyReLU 0.2", op: { try leakyReLU($0, negativeSlope: 0.2) },
                   reference: { $0 > 0 ? $0 : 0.2 * $0 }, kinks: [0]),
    ActivationCase(name: "leakyReLU -0.3", op: { try leakyReLU($0, negativeSlope: -0.3) },
                   reference: { $0 > 0 ? $0 : -0.3 * $0 }, kinks: [0]),
    ActivationCase(name: "sigmoid", op: { try sigmoid($0) }, reference: { 1 / (1 + Foundation.exp(-$0)) }, range: (-6, 6)),
    ActivationCase(name: "tanh", op: { try tanh($0) }, reference: { Foundation.tanh($0) }),
    ActivationCase(name: "hardswish", op: { try hardswish($0) }, reference: { $0 * min(max($0 + 3, 0), 6) / 6 },
                   range: (-5, 5), kinks: [-3, 3]),
    ActivationCase(name: "gelu", op: { try gelu($0) }, reference: { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }, range: (-4, 4)),
    ActivationCase(name: "silu", op: { try silu($0) }, reference: { $0 / (1 + Foundation.exp(-$0)) }, range: (-6, 6)),
    ActivationCase(name: "hardsigmoid", op: { try hardsigmoid($0) }, reference: { min(max($0 + 3, 0), 6) / 6 },
                   range: (-5, 5), kinks: [-3, 3]),
    ActivationCase(name: "scale 2.5", op: { try scale($0, by: 2.5) }, reference: { 2.5 * $0 }),
    ActivationCase(name: "scale -0.5", op: { try scale($0, by: -0.5) }, reference: { -0.5 * $0 }),
]

/// A row-major tensor of values spread over `range`, kept at least 0.05 away from `kinks`.
func activationInput(_ shape: [Int], seed: UInt64, range: (Double, Double), kinks: [Double],
                     requiresGrad: Bool = false) -> Tensor {
    let values = randomValues(shape.reduce(1, *), seed: seed).map { u -> Float in
        var v = range.0 + (Double(u) + 1) / 2 * (range.1 - range.0)
        for k in kinks where abs(v - k) < 0.05 { v = k + (v < k ? -0.05 : 0.05) }
        return Float(v)
    }
    let t = Tensor(shape: shape, data: values)
    t.requiresGrad = requiresGrad
    return t
}

final class ActivationsTests: XCTestCase {
    func testForwardMatchesReference() throws {
        for c in activationCases {
            for (i, shape) in [[2, 3, 5, 7], [3, 1], [7], [1, 6, 1, 1]].enumerated() {
                let x = activationInput(shape, seed: UInt64(i), range: c.range, kinks: [])
                let y = try c.op(x)
                XCTAssertEqual(y.shape, shape, c.name)
                assertClose(y.toArray(), x.toArray().map { c.reference(Double($0)) }, "\(c.name) \(shapeString(shape))")
            }
        }
    }

    func testForwardKeepsBlockedLayout() throws {
        for c in activationCases {
            for (i, shape) in [[2, 20, 3, 5], [1, 32, 2, 3]].enumerated() {
                let x = activationInput(shape, seed: UInt64(10 + i), range: c.range, kinks: [])
                let y = try c.op(blocked(x))
                XCTAssertFalse(y.isRowMajor, "\(c.name) reordered its blocked input")
                assertClose(y.toArray(), x.toArray().map { c.reference(Double($0)) }, "\(c.name) blocked \(shapeString(shape))")
            }
        }
    }

    func testReluOfBlockedConvOutputMatchesReference() throws {
        for (shape, channels) in [([2, 3, 7, 5], 16), ([1, 6, 5, 5], 20), ([1, 3, 4, 6], 32)] {
            let (y, ref) = try convOutput(shape, channels: channels, seed: UInt64(channels))
            XCTAssertFalse(y.isRowMajor, "conv2d with \(channels) channels chose a row-major output")
            let r = try relu(y)
            XCTAssertFalse(r.isRowMajor)
            assertClose(r.toArray(), ref.map { max($0, 0) }, "relu(conv2d) with \(channels) channels")
            for c in activationCases {
                assertClose(try c.op(y).toArray(), ref.map(c.reference), "\(c.name)(conv2d) with \(channels) channels")
            }
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for c in activationCases {
            for (i, shape) in [[2, 3, 2, 5], [5]].enumerated() {
                let x = activationInput(shape, seed: UInt64(20 + i), range: c.range, kinks: c.kinks, requiresGrad: true)
                try checkGradients([x]) { try c.op($0[0]) }
            }
            let x = activationInput([1, 20, 2, 2], seed: 30, range: c.range, kinks: c.kinks, requiresGrad: true)
            try checkGradients([x]) { try c.op(blocked($0[0])) }
        }
    }

    func testBackwardThroughBlockedConv() throws {
        // Smooth activations, so perturbing the convolution's inputs crosses no kink.
        let x = randomTensor([1, 3, 5, 4], seed: 40, requiresGrad: true)
        let w = randomTensor([16, 3, 3, 3], seed: 41, requiresGrad: true)
        for op in [sigmoid, tanh, gelu] as [(Tensor) throws -> Tensor] {
            try checkGradients([x, w]) { t in try op(conv2d(t[0], weight: t[1], Conv2dConfig(padding: .symmetric(1)))) }
        }
    }

    func testGradientsAtKinksFollowTorch() throws {
        // torch: relu'(0) = 0; relu6'(x) = 1 only for 0 < x < 6; hardsigmoid'(x) = 1/6 only for −3 < x < 3.
        let x = Tensor(shape: [6], data: [-1, 0, 3, 6, 7, 1e-3])
        x.requiresGrad = true
        try relu6(x).backward(gradient: Tensor.ones([6]))
        XCTAssertEqual(x.grad?.toArray(), [0, 0, 1, 0, 0, 1])
        x.zeroGrad()
        try hardsigmoid(x).backward(gradient: Tensor.ones([6]))
        XCTAssertEqual(x.grad?.toArray(), [1 / 6, 1 / 6, 0, 0, 0, 1 / 6])
        x.zeroGrad()
        try relu(x).backward(gradient: Tensor.ones([6]))
        XCTAssertEqual(x.grad?.toArray(), [0, 0, 1, 1, 1, 1])
    }

    func testBackwardRunsNamedPrimitivesOnlyWhenNeeded() throws {
        let x = randomTensor([2, 5], seed: 50, requiresGrad: true)
        Engine.shared.resetExecutionCounts()
        let y = try gelu(relu(x))
        try y.backward(gradient: Tensor.ones([2, 5]))
        let counts = Engine.shared.executionCounts
        XCTAssertEqual(counts["relu.forward"], 1)
        XCTAssertEqual(counts["relu.backward"], 1)
        XCTAssertEqual(counts["gelu.backward"], 1)
        Engine.shared.resetExecutionCounts()
        _ = try relu(randomTensor([2, 5], seed: 51))
        XCTAssertNil(Engine.shared.executionCounts["relu.backward"])
    }

    func testOutputIsFreedWithItsGraph() throws {
        // The backward closure must not hold the output (output → node → closure → output).
        for c in activationCases {
            weak var weakOut: Tensor?
            do {
                let x = randomTensor([3, 4], seed: 60, requiresGrad: true)
                let y = try c.op(x)
                XCTAssertNotNil(y.gradNode)
                weakOut = y
            }
            XCTAssertNil(weakOut, "\(c.name) output leaked")
        }
    }

    func testRejectsIntegerTensors() {
        for c in activationCases {
            XCTAssertThrowsError(try c.op(Tensor(labels: [1, 2])), c.name) { error in
                guard case GraftError.invalidArgument = error else { return XCTFail("\(c.name): \(error)") }
            }
        }
    }
}
