import XCTest
@testable import GraftCore

/// Naive y = x·Wᵀ + b in Double.
func referenceLinear(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], _ b: [Float]?) -> [Double] {
    let (n, i, o) = (xs[0], xs[1], ws[0])
    var out = [Double](repeating: 0, count: n * o)
    for r in 0..<n { for oc in 0..<o {
        var acc = Double(b?[oc] ?? 0)
        for k in 0..<i { acc += Double(x[r * i + k]) * Double(w[oc * i + k]) }
        out[r * o + oc] = acc
    }}
    return out
}

final class LinearTests: XCTestCase {
    struct Case { let x: [Int]; let w: [Int]; let bias: Bool }

    let cases: [Case] = [
        Case(x: [2, 5], w: [3, 5], bias: true),
        Case(x: [1, 16], w: [32, 16], bias: false),
        Case(x: [7, 20], w: [6, 20], bias: true),
        Case(x: [4, 3], w: [1, 3], bias: true),
        Case(x: [3, 64], w: [16, 64], bias: true),
        Case(x: [5, 1], w: [10, 1], bias: false),
    ]

    func testForwardMatchesReference() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i))
            let w = randomTensor(c.w, seed: UInt64(100 + i))
            let b = c.bias ? randomTensor([c.w[0]], seed: UInt64(200 + i)) : nil
            let y = try linear(x, weight: w, bias: b)
            XCTAssertEqual(y.shape, [c.x[0], c.w[0]], "case \(i)")
            assertClose(y.toArray(), referenceLinear(x.toArray(), c.x, w.toArray(), c.w, b?.toArray()), "case \(i)")
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i), requiresGrad: true)
            let w = randomTensor(c.w, seed: UInt64(100 + i), requiresGrad: true)
            var inputs = [x, w]
            if c.bias { inputs.append(randomTensor([c.w[0]], seed: UInt64(200 + i), requiresGrad: true)) }
            try checkGradients(inputs) { t in try linear(t[0], weight: t[1], bias: t.count > 2 ? t[2] : nil) }
            XCTAssertEqual(w.grad?.shape, c.w)
        }
    }

    func testFrozenWeightGetsNoGradientAndNoBackwardWeightsPass() throws {
        let x = randomTensor([3, 4], seed: 1, requiresGrad: true)
        let w = randomTensor([2, 4], seed: 2)
        let b = randomTensor([2], seed: 3)
        Engine.shared.resetExecutionCounts()
        try linear(x, weight: w, bias: b).backward(gradient: Tensor.ones([3, 2]))
        XCTAssertNil(w.grad)
        XCTAssertNil(b.grad)
        XCTAssertNotNil(x.grad)
        XCTAssertEqual(Engine.shared.executionCounts["linear.backward_weights"], nil)
        XCTAssertEqual(Engine.shared.executionCounts["linear.backward_data"], 1)
    }

    func testOnlyBiasTrainableSkipsBackwardData() throws {
        let x = randomTensor([3, 4], seed: 1)
        let w = randomTensor([2, 4], seed: 2)
        let b = randomTensor([2], seed: 3, requiresGrad: true)
        Engine.shared.resetExecutionCounts()
        try linear(x, weight: w, bias: b).backward(gradient: Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(b.grad?.toArray(), [9, 12])
        XCTAssertNil(w.grad)
        XCTAssertEqual(Engine.shared.executionCounts["linear.backward_data"], nil)
        XCTAssertEqual(Engine.shared.executionCounts["linear.backward_weights"], 1)
    }

    func testShapeMismatchNamesOpAndShapes() {
        assertShapeError("linear", [2, 5], [3, 4]) {
            try linear(randomTensor([2, 5], seed: 1), weight: randomTensor([3, 4], seed: 2))
        }
        assertShapeError("linear", [2, 3, 4], [3, 4]) {
            try linear(randomTensor([2, 3, 4], seed: 1), weight: randomTensor([3, 4], seed: 2))
        }
        assertShapeError("linear", [2], [3, 4]) {
            try linear(randomTensor([2, 4], seed: 1), weight: randomTensor([3, 4], seed: 2), bias: randomTensor([2], seed: 3))
        }
    }
}
