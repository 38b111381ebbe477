import XCTest
@testable import GraftCore

final class TransposeTests: XCTestCase {
    func testTransposeMovesEveryElementAsThePermutationSays() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 1)
        let xs = x.toArray()
        for perm in [[0, 2, 3, 1], [3, 2, 1, 0], [1, 0, 2, 3], [0, 1, 2, 3]] {
            let y = try transpose(x, permutation: perm)
            XCTAssertEqual(y.shape, perm.map { x.shape[$0] })
            let ys = y.toArray()
            let inStrides = [60, 20, 5, 1]
            var index = [0, 0, 0, 0], expected: [Float] = []
            for _ in 0..<ys.count {
                expected.append(xs[zip(index, perm).reduce(0) { $0 + $1.0 * inStrides[$1.1] }])
                var d = 3
                while d >= 0 { index[d] += 1; if index[d] < y.shape[d] { break }; index[d] = 0; d -= 1 }
            }
            XCTAssertEqual(ys, expected, "\(perm)")
        }
    }

    func testTransposeOfABlockedTensorAndItsGradient() throws {
        let x = randomTensor([2, 16, 3, 3], seed: 2)
        XCTAssertEqual(try transpose(blocked(x), permutation: [0, 2, 3, 1]).toArray(), try transpose(x, permutation: [0, 2, 3, 1]).toArray())
        let small = randomTensor([2, 3, 4], seed: 3, requiresGrad: true)
        try checkGradients([small]) { try transpose($0[0], permutation: [2, 0, 1]) }
    }

    func testABadPermutationIsAnError() {
        let x = randomTensor([2, 3], seed: 4)
        for perm in [[0], [0, 0], [1, 2], [0, 1, 2]] { XCTAssertThrowsError(try transpose(x, permutation: perm), "\(perm)") }
    }

    func testItRecordsAndInterprets() throws {
        let x = randomTensor([2, 3, 4], seed: 5)
        try assertRoundTrip("transpose", inputs: [x]) { try transpose(x, permutation: [1, 2, 0]) }
    }
}
