import Foundation
import XCTest
@testable import GraftCore

/// Naive (log-)softmax of a row-major array along `axis`, in Double.
func referenceSoftmax(_ x: [Float], _ shape: [Int], axis: Int, log: Bool) -> [Double] {
    let n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
    var out = [Double](repeating: 0, count: x.count)
    for o in 0..<outer {
        for i in 0..<inner {
            let idx = (0..<n).map { (o * n + $0) * inner + i }
            let m = idx.map { Double(x[$0]) }.max()!
            let z = idx.reduce(0.0) { $0 + Foundation.exp(Double(x[$1]) - m) }
            for j in idx { out[j] = log ? Double(x[j]) - m - Foundation.log(z) : Foundation.exp(Double(x[j]) - m) / z }
        }
    }
    return out
}

final class SoftmaxTests: XCTestCase {
    let cases: [([Int], Int)] = [([2, 5], 1), ([3, 4, 5], -1), ([2, 3, 4, 5], 1), ([2, 3, 4, 5], 0), ([7], 0), ([2, 6, 3, 3], 3)]
    let ops: [(String, (Tensor, Int) throws -> Tensor, Bool)] = [
        ("softmax", { try softmax($0, axis: $1) }, false),
        ("logSoftmax", { try logSoftmax($0, axis: $1) }, true),
    ]

    func testForwardMatchesReference() throws {
        for (name, op, log) in ops {
            for (i, (shape, axis)) in cases.enumerated() {
                // Spread values over [-8, 8) so the exponentials differ widely.
                let x = Tensor(shape: shape, data: randomValues(shape.reduce(1, *), seed: UInt64(i)).map { 8 * $0 })
                let y = try op(x, axis)
                XCTAssertEqual(y.shape, shape)
                let ax = axis < 0 ? axis + shape.count : axis
                assertClose(y.toArray(), referenceSoftmax(x.toArray(), shape, axis: ax, log: log), "\(name) case \(i)")
            }
        }
    }

    func testDefaultAxisIsOne() throws {
        let x = randomTensor([3, 4, 2], seed: 5)
        assertClose(try softmax(x).toArray(), referenceSoftmax(x.toArray(), [3, 4, 2], axis: 1, log: false))
        assertClose(try logSoftmax(x).toArray(), referenceSoftmax(x.toArray(), [3, 4, 2], axis: 1, log: true))
    }

    func testBlockedInputs() throws {
        for (shape, channels) in [([2, 3, 4, 5], 16), ([1, 6, 3, 5], 20)] {
            let (y, ref) = try convOutput(shape, channels: channels, seed: UInt64(channels))
            let outShape = [shape[0], channels, shape[2], shape[3]]
            for (name, op, log) in ops {
                for axis in [1, 2, 3] {
                    assertClose(try op(y, axis).toArray(), referenceSoftmax(ref.map(Float.init), outShape, axis: axis, log: log),
                                "\(name) of conv2d with \(channels) channels, axis \(axis)")
                }
            }
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (_, op, _) in ops {
            for (i, (shape, axis)) in cases.enumerated() {
                let x = randomTensor(shape, seed: UInt64(10 + i), requiresGrad: true)
                try checkGradients([x]) { try op($0[0], axis) }
            }
            let x = randomTensor([1, 20, 2, 3], seed: 20, requiresGrad: true)
            try checkGradients([x]) { try op(blocked($0[0]), 1) }
            try checkGradients([x]) { try op(blocked($0[0]), 3) }
        }
    }

    func testOutputIsFreedWithItsGraph() throws {
        for (name, op, _) in ops {
            weak var weakOut: Tensor?
            do {
                let y = try op(randomTensor([3, 4], seed: 30, requiresGrad: true), 1)
                XCTAssertNotNil(y.gradNode)
                weakOut = y
            }
            XCTAssertNil(weakOut, "\(name) output leaked")
        }
    }

    func testRejectsBadAxes() {
        for (name, op, _) in ops {
            for axis in [2, -3] {
                XCTAssertThrowsError(try op(randomTensor([3, 4], seed: 1), axis), name) { error in
                    guard case GraftError.invalidArgument = error else { return XCTFail("\(error)") }
                }
            }
            XCTAssertThrowsError(try op(Tensor(labels: [1, 2]), 0), name)
        }
    }
}
