import XCTest
@testable import GraftCore

/// Naive sum or mean of a row-major array over `axes`, with the kept-dims shape.
func referenceReduce(_ x: [Double], _ shape: [Int], axes: Set<Int>, mean: Bool) -> ([Double], [Int]) {
    let kept = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
    var out = [Double](repeating: 0, count: kept.reduce(1, *))
    var idx = [Int](repeating: 0, count: shape.count)
    for i in x.indices {
        var r = i
        for d in shape.indices.reversed() { idx[d] = r % shape[d]; r /= shape[d] }
        let o = kept.indices.reduce(0) { $0 * kept[$1] + (axes.contains($1) ? 0 : idx[$1]) }
        out[o] += x[i]
    }
    let n = Double(x.count / out.count)
    return (mean ? out.map { $0 / n } : out, kept)
}

final class ReductionTests: XCTestCase {
    struct Case { let shape: [Int]; let axes: [Int]; let keepDims: Bool; let expected: [Int] }

    let cases: [Case] = [
        Case(shape: [2, 3, 4, 5], axes: [1], keepDims: false, expected: [2, 4, 5]),
        Case(shape: [2, 3, 4, 5], axes: [1], keepDims: true, expected: [2, 1, 4, 5]),
        Case(shape: [2, 3, 4, 5], axes: [2, 3], keepDims: true, expected: [2, 3, 1, 1]),   // global average pooling
        Case(shape: [2, 3, 4, 5], axes: [0, 2], keepDims: false, expected: [3, 5]),
        Case(shape: [2, 3, 4, 5], axes: [-1], keepDims: false, expected: [2, 3, 4]),
        Case(shape: [2, 3, 4, 5], axes: [3, 0, 1, 2], keepDims: false, expected: [1]),
        Case(shape: [3, 7], axes: [0, 1], keepDims: true, expected: [1, 1]),
        Case(shape: [3, 1, 4], axes: [1], keepDims: false, expected: [3, 4]),             // nothing to add up
        Case(shape: [7], axes: [0], keepDims: false, expected: [1]),
    ]

    let ops: [(String, (Tensor, [Int], Bool) throws -> Tensor, Bool)] = [
        ("sum", { try sum($0, axes: $1, keepDims: $2) }, false),
        ("mean", { try mean($0, axes: $1, keepDims: $2) }, true),
    ]

    func testForwardMatchesReference() throws {
        for (name, op, isMean) in ops {
            for (i, c) in cases.enumerated() {
                let x = randomTensor(c.shape, seed: UInt64(i))
                let y = try op(x, c.axes, c.keepDims)
                XCTAssertEqual(y.shape, c.expected, "\(name) case \(i)")
                let axes = Set(c.axes.map { $0 < 0 ? $0 + c.shape.count : $0 })
                assertClose(y.toArray(), referenceReduce(x.toArray().map(Double.init), c.shape, axes: axes, mean: isMean).0,
                            "\(name) case \(i)")
            }
        }
    }

    func testWholeTensor() throws {
        for (i, shape) in [[2, 3, 4, 5], [7], [1]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(20 + i))
            let total = x.toArray().reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(try sum(x).shape, [1])
            XCTAssertEqual(try mean(x).shape, [1])
            assertClose(try sum(x).toArray(), [total])
            assertClose(try mean(x).toArray(), [total / Double(x.count)])
        }
    }

    func testBlockedInputsIgnoreTheirPadding() throws {
        // 20 channels in nChw16c are padded to 32: the padding must not count.
        for (shape, channels) in [([2, 3, 4, 5], 20), ([1, 6, 3, 3], 16)] {
            let (y, ref) = try convOutput(shape, channels: channels, seed: UInt64(channels))
            let outShape = [shape[0], channels, shape[2], shape[3]]
            assertClose(try sum(y).toArray(), [ref.reduce(0, +)])
            assertClose(try mean(y).toArray(), [ref.reduce(0, +) / Double(ref.count)])
            for axes in [[1], [2, 3], [0, 3], [0, 1, 2, 3]] {
                assertClose(try sum(y, axes: axes).toArray(), referenceReduce(ref, outShape, axes: Set(axes), mean: false).0,
                            "sum over \(axes) of \(channels) channels")
                assertClose(try mean(y, axes: axes, keepDims: true).toArray(),
                            referenceReduce(ref, outShape, axes: Set(axes), mean: true).0, "mean over \(axes) of \(channels) channels")
            }
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (_, op, _) in ops {
            for (i, c) in cases.enumerated() {
                let x = randomTensor(c.shape, seed: UInt64(30 + i), requiresGrad: true)
                try checkGradients([x]) { try op($0[0], c.axes, c.keepDims) }
            }
            let x = randomTensor([2, 20, 2, 3], seed: 40, requiresGrad: true)
            try checkGradients([x]) { try op(blocked($0[0]), [2, 3], false) }
            try checkGradients([x]) { try op(blocked($0[0]), [1], true) }
        }
        let x = randomTensor([2, 3, 4, 5], seed: 41, requiresGrad: true)
        try checkGradients([x]) { try sum($0[0]) }
        try checkGradients([x]) { try mean(blocked($0[0])) }
    }

    func testRejectsBadAxes() {
        let x = randomTensor([2, 3, 4, 5], seed: 1)
        for (name, op, _) in ops {
            for axes in [[], [4], [-5], [1, -3], [2, 2]] {
                XCTAssertThrowsError(try op(x, axes, false), "\(name) \(axes)") { error in
                    guard case GraftError.invalidArgument(op: name, _) = error else { return XCTFail("\(error)") }
                }
            }
            XCTAssertThrowsError(try op(Tensor(labels: [1, 2]), [0], false), name)
        }
    }
}
