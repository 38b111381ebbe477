import XCTest
@testable import GraftCore

final class PadTests: XCTestCase {
    /// numpy's pad of one row, with negative counts cropping.
    private func padRow(_ v: [Float], _ before: Int, _ after: Int, _ mode: PadMode, _ value: Float) -> [Float] {
        let n = v.count
        return (0..<(n + before + after)).map { i in
            var j = i - before
            if j >= 0 && j < n { return v[j] }
            switch mode {
            case .constant: return value
            case .edge: j = j < 0 ? 0 : n - 1
            case .reflect: j = j < 0 ? -j : 2 * (n - 1) - j
            }
            return v[j]
        }
    }

    func testEachModeAgainstAReferenceRow() throws {
        let x = randomTensor([1, 6], seed: 1)
        for mode in PadMode.allCases {
            for (b, a) in [(2, 3), (0, 1), (-2, 1), (3, -4)] {
                let y = try pad(x, before: [0, b], after: [0, a], mode: mode, value: 0.25)
                XCTAssertEqual(y.toArray(), padRow(x.toArray(), b, a, mode, 0.25), "\(mode) \(b) \(a)")
            }
        }
    }

    func testImageBordersAndGradients() throws {
        let x = randomTensor([1, 2, 3, 4], seed: 2, requiresGrad: true)
        XCTAssertEqual(try pad(x, before: [0, 0, 1, 2], after: [0, 1, 0, 1]).shape, [1, 3, 4, 7])
        for mode in PadMode.allCases {
            try checkGradients([x]) { try pad($0[0], before: [0, 0, 1, 2], after: [0, 0, 2, 1], mode: mode) }
        }
    }

    func testImpossiblePaddingIsAnError() {
        let x = randomTensor([2, 3], seed: 3)
        XCTAssertThrowsError(try pad(x, before: [0, 3], after: [0, 0], mode: .reflect))
        XCTAssertThrowsError(try pad(x, before: [0, -4], after: [0, 0]))
        XCTAssertThrowsError(try pad(x, before: [0], after: [0, 0]))
        XCTAssertThrowsError(try pad(x, before: [0, Int.max], after: [0, 1]))
        XCTAssertThrowsError(try pad(randomTensor([1, 1, 1, 1], seed: 5), before: [0, 1 << 23, 1 << 23, 1 << 23], after: [0, 0, 0, 0]))
    }

    func testItRecordsAndInterprets() throws {
        let x = randomTensor([2, 3], seed: 4)
        try assertRoundTrip("pad", inputs: [x]) { try pad(x, before: [0, 1], after: [1, 0], mode: .edge) }
    }
}
