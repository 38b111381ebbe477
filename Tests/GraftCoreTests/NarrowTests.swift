import CDNNL
import XCTest
@testable import GraftCore

/// Naive `torch.narrow` over row-major values.
func referenceNarrow(_ x: [Float], _ shape: [Int], axis: Int, start: Int, length: Int) -> [Double] {
    let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), size = shape[axis]
    var y: [Double] = []
    for o in 0..<outer {
        for i in start..<(start + length) {
            for p in 0..<inner { y.append(Double(x[(o * size + i) * inner + p])) }
        }
    }
    return y
}

final class NarrowTests: XCTestCase {
    func testForwardMatchesReference() throws {
        let cases: [([Int], Int, Int, Int)] = [([2, 6, 3, 4], 1, 0, 3), ([2, 6, 3, 4], 1, 3, 3), ([2, 6, 3, 4], 3, 1, 2),
                                               ([2, 6, 3, 4], 0, 1, 1), ([5, 7], -1, 2, 4)]
        for (i, (shape, axis, start, length)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(i))
            let y = try narrow(x, axis: axis, start: start, length: length)
            let ax = axis < 0 ? axis + shape.count : axis
            var expected = shape
            expected[ax] = length
            XCTAssertEqual(y.shape, expected)
            assertClose(y.toArray(), referenceNarrow(x.toArray(), shape, axis: ax, start: start, length: length), "case \(i)")
        }
    }

    func testChunkSplitsLikeTorch() throws {
        let x = randomTensor([2, 7, 2, 2], seed: 10)
        let halves = try chunk(x, 2)
        XCTAssertEqual(halves.map(\.shape), [[2, 4, 2, 2], [2, 3, 2, 2]])
        assertClose(halves[1].toArray(), referenceNarrow(x.toArray(), x.shape, axis: 1, start: 4, length: 3))
        // torch.chunk(6 elements, 4) gives three pieces of 2.
        XCTAssertEqual(try chunk(randomTensor([6], seed: 11), 4, axis: 0).map(\.shape), [[2], [2], [2]])
        XCTAssertThrowsError(try chunk(x, 0))
    }

    func testBlockedInput() throws {
        let (conv, ref) = try convOutput([2, 3, 4, 4], channels: 32, seed: 12)
        XCTAssertFalse(conv.isRowMajor)
        let parts = try chunk(conv, 2)
        for (k, part) in parts.enumerated() {
            assertClose(part.toArray(), referenceNarrow(ref.map(Float.init), conv.shape, axis: 1, start: 16 * k, length: 16), "part \(k)")
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        let x = randomTensor([2, 6, 2, 3], seed: 13, requiresGrad: true)
        try checkGradients([x]) { try narrow($0[0], axis: 1, start: 2, length: 3) }
        try checkGradients([x]) { try narrow($0[0], axis: 3, start: 1, length: 2) }
        // Both halves of a split used again, as ShuffleNet-v2's unit does.
        try checkGradients([x]) { t in
            let parts = try chunk(t[0], 2)
            return try concat([parts[0], try scale(parts[1], by: 3)])
        }
        let xb = randomTensor([1, 32, 2, 2], seed: 14, requiresGrad: true)
        try checkGradients([xb]) { try mul(chunk(blocked($0[0]), 2)[1], chunk(blocked($0[0]), 2)[0]) }
    }

    func testRejectsWindowsOutsideTheAxis() {
        let x = randomTensor([2, 6, 3], seed: 15)
        for (axis, start, length) in [(1, 4, 3), (1, -1, 2), (1, 0, 0), (3, 0, 1), (-4, 0, 1), (1, 7, 1)] {
            XCTAssertThrowsError(try narrow(x, axis: axis, start: start, length: length), "\(axis) \(start) \(length)") { error in
                guard case GraftError.invalidArgument(op: "narrow", _) = error else { return XCTFail("\(error)") }
            }
        }
    }
}
