import XCTest
@testable import GraftCore

/// Naive concatenation of row-major arrays along `axis`.
func referenceConcat(_ xs: [([Double], [Int])], axis: Int) -> [Double] {
    let outer = xs[0].1[..<axis].reduce(1, *)
    var out: [Double] = []
    for o in 0..<outer {
        for (values, shape) in xs {
            let inner = shape[axis...].reduce(1, *)
            out += values[(o * inner)..<((o + 1) * inner)]
        }
    }
    return out
}

final class ConcatTests: XCTestCase {
    let cases: [([[Int]], Int)] = [
        ([[2, 3, 4, 5], [2, 5, 4, 5]], 1),
        ([[2, 3, 4], [1, 3, 4], [3, 3, 4]], 0),
        ([[2, 3, 4], [2, 3, 1]], -1),
        ([[2, 1, 3, 3], [2, 7, 3, 3], [2, 2, 3, 3]], 1),
        ([[3, 4]], 0),
        ([[2, 3, 2, 5], [2, 3, 3, 5]], 2),
    ]

    func testForwardMatchesReference() throws {
        for (i, (shapes, axis)) in cases.enumerated() {
            let xs = shapes.enumerated().map { randomTensor($0.element, seed: UInt64(10 * i + $0.offset)) }
            let y = try concat(xs, axis: axis)
            let ax = axis < 0 ? axis + shapes[0].count : axis
            var shape = shapes[0]
            shape[ax] = shapes.reduce(0) { $0 + $1[ax] }
            XCTAssertEqual(y.shape, shape)
            assertClose(y.toArray(), referenceConcat(xs.map { ($0.toArray().map(Double.init), $0.shape) }, axis: ax), "case \(i)")
        }
    }

    func testBlockedInputs() throws {
        let (a16, r16) = try convOutput([2, 3, 4, 5], channels: 16, seed: 1)
        let (b16, s16) = try convOutput([2, 6, 4, 5], channels: 16, seed: 2)
        let (c20, r20) = try convOutput([2, 3, 4, 5], channels: 20, seed: 3)
        let (d6, r6) = try convOutput([2, 3, 4, 5], channels: 6, seed: 4)
        let plain = randomTensor([2, 3, 4, 5], seed: 5)
        let p = plain.toArray().map(Double.init)
        for (i, parts) in [[(a16, r16), (b16, s16)], [(c20, r20), (d6, r6)], [(a16, r16), (plain, p), (c20, r20)],
                           [(plain, p), (a16, r16)]].enumerated() {
            let y = try concat(parts.map(\.0))
            assertClose(y.toArray(), referenceConcat(parts.map { ($0.1, $0.0.shape) }, axis: 1), "blocked case \(i)")
        }
        // Along the batch axis.
        let y = try concat([a16, b16], axis: 0)
        assertClose(y.toArray(), referenceConcat([(r16, a16.shape), (s16, b16.shape)], axis: 0))
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (i, (shapes, axis)) in cases.enumerated() {
            let xs = shapes.enumerated().map { randomTensor($0.element, seed: UInt64(10 * i + $0.offset), requiresGrad: true) }
            try checkGradients(xs) { try concat($0, axis: axis) }
        }
        let a = randomTensor([1, 20, 2, 3], seed: 60, requiresGrad: true)
        let b = randomTensor([1, 3, 2, 3], seed: 61, requiresGrad: true)
        let c = randomTensor([1, 16, 2, 3], seed: 62, requiresGrad: true)
        try checkGradients([a, b, c]) { t in try concat([blocked(t[0]), t[1], blocked(t[2])]) }
        // Through a blocked convolution, and the result fed to a blocked consumer.
        let w = randomTensor([16, 3, 3, 3], seed: 63)
        try checkGradients([b, a]) { t in
            try sigmoid(concat([conv2d(t[0], weight: w, Conv2dConfig(padding: .symmetric(1))), t[1]]))
        }
    }

    func testOnlyInputsThatNeedGradientsGetThem() throws {
        let a = randomTensor([2, 3], seed: 70, requiresGrad: true), b = randomTensor([2, 4], seed: 71)
        Engine.shared.resetExecutionCounts()
        try concat([a, b]).backward(gradient: Tensor.ones([2, 7]))
        XCTAssertNil(b.grad)
        XCTAssertEqual(a.grad?.toArray(), [Float](repeating: 1, count: 6))
        XCTAssertEqual(Engine.shared.executionCounts["concat.backward"], 1)
    }

    func testShapeMismatchNamesOpAndShapes() {
        assertShapeError("concat", [2, 3, 4, 4], [2, 3, 5, 4]) {
            try concat([randomTensor([2, 3, 4, 4], seed: 1), randomTensor([2, 3, 5, 4], seed: 2)])
        }
        assertShapeError("concat", [2, 3], [2, 3, 1]) {
            try concat([randomTensor([2, 3], seed: 1), randomTensor([2, 3], seed: 2), randomTensor([2, 3, 1], seed: 3)], axis: 0)
        }
        XCTAssertThrowsError(try concat([]))
        XCTAssertThrowsError(try concat([randomTensor([2, 3], seed: 1)], axis: 2))
    }
}
