import CDNNL
import XCTest
@testable import GraftCore

/// Naive channel shuffle: output channel `j·g + i` is input channel `i·k + j`.
func referenceChannelShuffle(_ x: [Float], _ shape: [Int], groups g: Int) -> [Double] {
    let (n, c) = (shape[0], shape[1])
    let inner = shape.dropFirst(2).reduce(1, *), k = c / g
    var y = [Double](repeating: 0, count: x.count)
    for s in 0..<n {
        for i in 0..<g {
            for j in 0..<k {
                for p in 0..<inner { y[(s * c + j * g + i) * inner + p] = Double(x[(s * c + i * k + j) * inner + p]) }
            }
        }
    }
    return y
}

final class ChannelShuffleTests: XCTestCase {
    func testForwardMatchesReference() throws {
        for (i, (shape, g)) in [([2, 6, 3, 4], 2), ([1, 12, 2, 2], 3), ([2, 6, 3, 4], 1), ([2, 6, 3, 4], 6), ([3, 8], 4)].enumerated() {
            let x = randomTensor(shape, seed: UInt64(i))
            let y = try channelShuffle(x, groups: g)
            XCTAssertEqual(y.shape, shape)
            assertClose(y.toArray(), referenceChannelShuffle(x.toArray(), shape, groups: g), "\(shapeString(shape)) groups \(g)")
        }
        // Two channels per group: [0 1 | 2 3 | 4 5] → 0 2 4 1 3 5.
        let x = Tensor(shape: [1, 6, 1, 1], data: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try channelShuffle(x, groups: 3).toArray(), [0, 2, 4, 1, 3, 5])
    }

    func testBlockedInput() throws {
        let (conv, ref) = try convOutput([2, 3, 4, 4], channels: 32, seed: 3)
        XCTAssertFalse(conv.isRowMajor)
        assertClose(try channelShuffle(conv, groups: 2).toArray(),
                    referenceChannelShuffle(ref.map(Float.init), conv.shape, groups: 2))
    }

    func testBackwardMatchesFiniteDifferences() throws {
        let x = randomTensor([2, 6, 2, 3], seed: 4, requiresGrad: true)
        try checkGradients([x]) { try channelShuffle($0[0], groups: 2) }
        try checkGradients([x]) { try channelShuffle($0[0], groups: 3) }
        let xb = randomTensor([1, 32, 2, 2], seed: 5, requiresGrad: true)
        try checkGradients([xb]) { try channelShuffle(blocked($0[0]), groups: 2) }
    }

    func testRejectsGroupsThatDoNotDivideTheChannels() {
        let x = randomTensor([1, 6, 2, 2], seed: 6)
        for g in [0, 4, -2] {
            XCTAssertThrowsError(try channelShuffle(x, groups: g), "groups \(g)") { error in
                guard case GraftError.invalidArgument(op: "channel_shuffle", _) = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try channelShuffle(randomTensor([6], seed: 7), groups: 2))
    }
}
