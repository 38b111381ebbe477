import XCTest
@testable import GraftCore

/// Naive broadcasting `a ⊙ b` in Double (same rank, size 1 broadcasts), torch semantics.
func referenceBroadcast(_ a: [Float], _ sa: [Int], _ b: [Float], _ sb: [Int], _ f: (Double, Double) -> Double) -> ([Double], [Int]) {
    let shape = zip(sa, sb).map { max($0, $1) }
    func index(_ idx: [Int], _ s: [Int]) -> Int { zip(idx, s).reduce(0) { $0 * $1.1 + ($1.1 == 1 ? 0 : $1.0) } }
    var out = [Double](repeating: 0, count: shape.reduce(1, *))
    var idx = [Int](repeating: 0, count: shape.count)
    for i in out.indices {
        var r = i
        for d in shape.indices.reversed() { idx[d] = r % shape[d]; r /= shape[d] }
        out[i] = f(Double(a[index(idx, sa)]), Double(b[index(idx, sb)]))
    }
    return (out, shape)
}

final class BinaryTests: XCTestCase {
    let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4, 5], [1, 3, 1, 1]),   // per-channel
        ([2, 3, 4, 5], [2, 1, 4, 5]),   // per-pixel
        ([2, 3, 4, 5], [1, 3, 4, 5]),   // over the batch
        ([2, 3, 4, 5], [2, 3, 1, 1]),   // per sample and channel
        ([1, 3, 1, 1], [2, 3, 4, 5]),   // the first operand broadcast
        ([2, 1, 4, 1], [1, 3, 1, 5]),   // both broadcast
        ([3, 5], [3, 5]),
        ([7], [1]),
        ([1], [6]),
    ]

    let ops: [(String, (Tensor, Tensor) throws -> Tensor, (Double, Double) -> Double)] = [
        ("add", { try add($0, $1) }, { $0 + $1 }),
        ("mul", { try mul($0, $1) }, { $0 * $1 }),
        ("+", { try $0 + $1 }, { $0 + $1 }),
        ("*", { try $0 * $1 }, { $0 * $1 }),
    ]

    func testForwardMatchesReference() throws {
        for (name, op, f) in ops {
            for (i, (sa, sb)) in shapePairs.enumerated() {
                let a = randomTensor(sa, seed: UInt64(i)), b = randomTensor(sb, seed: UInt64(50 + i))
                let y = try op(a, b)
                let (ref, shape) = referenceBroadcast(a.toArray(), sa, b.toArray(), sb, f)
                XCTAssertEqual(y.shape, shape, "\(name) \(sa) \(sb)")
                assertClose(y.toArray(), ref, "\(name) \(shapeString(sa)) \(shapeString(sb))")
            }
        }
    }

    func testBlockedOperands() throws {
        let (conv16, ref16) = try convOutput([2, 3, 5, 5], channels: 16, seed: 1)
        let (conv16b, ref16b) = try convOutput([2, 6, 5, 5], channels: 16, seed: 2)
        let (conv20, ref20) = try convOutput([2, 3, 3, 3], channels: 20, seed: 3)
        XCTAssertFalse(conv16.isRowMajor)
        let bias = randomTensor([1, 16, 1, 1], seed: 4), plain16 = randomTensor([2, 16, 5, 5], seed: 5)
        let pixel = randomTensor([2, 1, 3, 3], seed: 6), perSample = randomTensor([2, 20, 1, 1], seed: 7)
        let cases: [(Tensor, [Double], Tensor, [Double])] = [
            (conv16, ref16, bias, bias.toArray().map(Double.init)),
            (conv16, ref16, conv16b, ref16b),
            (conv16, ref16, plain16, plain16.toArray().map(Double.init)),
            (plain16, plain16.toArray().map(Double.init), conv16, ref16),
            (bias, bias.toArray().map(Double.init), conv16, ref16),
            (conv20, ref20, pixel, pixel.toArray().map(Double.init)),
            (perSample, perSample.toArray().map(Double.init), conv20, ref20),
        ]
        for (name, op, f) in ops {
            for (i, (a, ra, b, rb)) in cases.enumerated() {
                let y = try op(a, b)
                let (ref, shape) = referenceBroadcast(ra.map(Float.init), a.shape, rb.map(Float.init), b.shape, f)
                XCTAssertEqual(y.shape, shape)
                assertClose(y.toArray(), ref, "\(name) blocked case \(i)")
            }
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (_, op, _) in ops {
            for (i, (sa, sb)) in shapePairs.enumerated() {
                let a = randomTensor(sa, seed: UInt64(i), requiresGrad: true)
                let b = randomTensor(sb, seed: UInt64(50 + i), requiresGrad: true)
                try checkGradients([a, b]) { try op($0[0], $0[1]) }
            }
            // Blocked operands, broadcast in channels and in pixels.
            let a = randomTensor([2, 20, 3, 3], seed: 70, requiresGrad: true)
            let b = randomTensor([1, 20, 1, 1], seed: 71, requiresGrad: true)
            let c = randomTensor([2, 1, 3, 3], seed: 72, requiresGrad: true)
            try checkGradients([a, b]) { try op(blocked($0[0]), $0[1]) }
            try checkGradients([a, c]) { try op($0[1], blocked($0[0])) }
            try checkGradients([a, b]) { try op(blocked($0[0]), blocked($0[0]) * $0[1]) }
        }
    }

    func testSqueezeExcitationAndLayerScaleProducts() throws {
        // [N, C, H, W] · [N, C, 1, 1] (a squeeze-excitation scale) and · a [C, 1, 1] parameter
        // viewed as [1, C, 1, 1] (ConvNeXt's layer scale), blocked and plain, both gradients.
        let x = randomTensor([2, 20, 3, 3], seed: 100, requiresGrad: true)
        let s = randomTensor([2, 20, 1, 1], seed: 101, requiresGrad: true)
        let gamma = randomTensor([20, 1, 1], seed: 102, requiresGrad: true)
        let (seRef, _) = referenceBroadcast(x.toArray(), x.shape, s.toArray(), s.shape, *)
        assertClose(try mul(blocked(x), s).toArray(), seRef, "squeeze-excitation scale")
        let (lsRef, _) = referenceBroadcast(x.toArray(), x.shape, gamma.toArray(), [1, 20, 1, 1], *)
        assertClose(try mul(gamma.reshaped([1, 20, 1, 1]), blocked(x)).toArray(), lsRef, "layer scale")
        try checkGradients([x, s]) { try mul(blocked($0[0]), $0[1]) }
        try checkGradients([x, s]) { try mul($0[1], $0[0]) }
        try checkGradients([x, gamma]) { try mul($0[1].reshaped([1, 20, 1, 1]), blocked($0[0])) }
        try checkGradients([x, gamma]) { try mul($0[0], $0[1].reshaped([1, 20, 1, 1])) }
        XCTAssertEqual(gamma.grad?.shape, [20, 1, 1])
    }

    func testSquareGetsTwiceTheInput() throws {
        let x = randomTensor([3, 4], seed: 80, requiresGrad: true)
        try mul(x, x).backward(gradient: Tensor.ones([3, 4]))
        assertClose(x.grad!.toArray(), x.toArray().map { 2 * Double($0) })
    }

    func testOnlyNeededGradientsAreComputed() throws {
        let a = randomTensor([2, 3, 4, 4], seed: 90, requiresGrad: true)
        let b = randomTensor([1, 3, 1, 1], seed: 91)
        Engine.shared.resetExecutionCounts()
        try mul(a, b).backward(gradient: Tensor.ones([2, 3, 4, 4]))
        XCTAssertNil(b.grad)
        XCTAssertEqual(Engine.shared.executionCounts["mul.backward"], 1)
        XCTAssertNil(Engine.shared.executionCounts["reduce_sum"])
        b.requiresGrad = true
        Engine.shared.resetExecutionCounts()
        try add(a, b).backward(gradient: Tensor.ones([2, 3, 4, 4]))
        XCTAssertEqual(Engine.shared.executionCounts["reduce_sum"], 1)
        XCTAssertEqual(b.grad?.toArray(), [Float](repeating: 32, count: 3))
    }

    func testShapeMismatchNamesOpAndShapes() {
        assertShapeError("add", [2, 3, 4], [2, 4, 4]) { try add(randomTensor([2, 3, 4], seed: 1), randomTensor([2, 4, 4], seed: 2)) }
        assertShapeError("add", [2, 3], [3]) { try randomTensor([2, 3], seed: 1) + randomTensor([3], seed: 2) }
        assertShapeError("mul", [2, 3, 5, 5], [1, 2, 1, 1]) {
            try mul(randomTensor([2, 3, 5, 5], seed: 1), randomTensor([1, 2, 1, 1], seed: 2))
        }
        assertShapeError("mul", [4, 1], [3, 2]) { try randomTensor([4, 1], seed: 1) * randomTensor([3, 2], seed: 2) }
    }
}
