import XCTest
@testable import GraftCore

final class LayerNormTests: XCTestCase {
    func testNormalisesTheTrailingAxesAgainstAReference() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 1)
        let w = randomTensor([4, 5], seed: 2), b = randomTensor([4, 5], seed: 3)
        let y = try layerNorm(x, weight: w, bias: b, axis: -2, eps: 1e-5).toArray()
        let (xs, ws, bs) = (x.toArray(), w.toArray(), b.toArray())
        var expected: [Double] = []
        for r in 0..<6 {
            let group = xs[(r * 20)..<((r + 1) * 20)].map(Double.init)
            let mean = group.reduce(0, +) / 20
            let variance = group.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20
            expected += group.enumerated().map { i, v in (v - mean) / (variance + 1e-5).squareRoot() * Double(ws[i]) + Double(bs[i]) }
        }
        assertClose(y, expected, "layer norm")
        XCTAssertEqual(try layerNorm(x, weight: nil, bias: nil, axis: 3).shape, x.shape)
    }

    func testGradientsOfInputWeightAndBias() throws {
        let x = randomTensor([3, 2, 4], seed: 4, requiresGrad: true)
        let w = randomTensor([4], seed: 5, requiresGrad: true), b = randomTensor([4], seed: 6, requiresGrad: true)
        try checkGradients([x, w, b]) { try layerNorm($0[0], weight: $0[1], bias: $0[2], axis: -1) }
    }

    func testMismatchedWeightIsAnError() {
        let x = randomTensor([2, 3, 4], seed: 7)
        XCTAssertThrowsError(try layerNorm(x, weight: randomTensor([3], seed: 8), bias: randomTensor([3], seed: 9), axis: -1))
        XCTAssertThrowsError(try layerNorm(x, weight: nil, bias: nil, axis: 3))
    }

    func testItAndMeanRecordAndInterpret() throws {
        let x = randomTensor([2, 3, 4], seed: 10), w = randomTensor([4], seed: 11), b = randomTensor([4], seed: 12)
        try assertRoundTrip("layer_norm", inputs: [x], parameters: [("w", w), ("b", b)]) { try layerNorm(x, weight: w, bias: b, axis: -1) }
        try assertRoundTrip("mean", inputs: [x]) { try mean(x, axes: [1, 2], keepDims: true) }
    }
}
