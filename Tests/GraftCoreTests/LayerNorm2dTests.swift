import CDNNL
import XCTest
@testable import GraftCore

/// Naive LayerNorm over the channels of each pixel of `[N, C, H, W]`, in Double.
func referenceLayerNorm2d(_ x: [Float], _ shape: [Int], weight: [Float]?, bias: [Float]?, eps: Double) -> [Double] {
    let (n, c, hw) = (shape[0], shape[1], shape[2] * shape[3])
    var y = [Double](repeating: 0, count: x.count)
    for s in 0..<n {
        for p in 0..<hw {
            let values = (0..<c).map { Double(x[(s * c + $0) * hw + p]) }
            let mean = values.reduce(0, +) / Double(c)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(c)
            for ch in 0..<c {
                let normalised = (values[ch] - mean) / (variance + eps).squareRoot()
                y[(s * c + ch) * hw + p] = normalised * Double(weight?[ch] ?? 1) + Double(bias?[ch] ?? 0)
            }
        }
    }
    return y
}

final class LayerNorm2dTests: XCTestCase {
    func testForwardMatchesReference() throws {
        for (i, shape) in [[2, 3, 4, 5], [1, 20, 3, 3], [3, 1, 2, 2], [2, 7, 1, 1]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(i))
            // A per-pixel offset, so the mean matters.
            let shifted = try add(x, randomTensor([shape[0], 1, shape[2], shape[3]], seed: UInt64(20 + i)))
            let w = randomTensor([shape[1]], seed: UInt64(40 + i)), b = randomTensor([shape[1]], seed: UInt64(60 + i))
            let y = try layerNorm2d(shifted, weight: w, bias: b)
            XCTAssertEqual(y.shape, shape)
            assertClose(y.toArray(), referenceLayerNorm2d(shifted.toArray(), shape, weight: w.toArray(), bias: b.toArray(), eps: 1e-6),
                        "\(shapeString(shape))")
            let plain = try layerNorm2d(shifted, weight: nil, bias: nil, eps: 0.5)
            assertClose(plain.toArray(), referenceLayerNorm2d(shifted.toArray(), shape, weight: nil, bias: nil, eps: 0.5),
                        "\(shapeString(shape)) without affine, eps 0.5")
        }
    }

    func testBlockedInputs() throws {
        let (conv, ref) = try convOutput([2, 3, 4, 4], channels: 20, seed: 5)
        XCTAssertFalse(conv.isRowMajor)
        let w = randomTensor([20], seed: 6), b = randomTensor([20], seed: 7)
        let y = try layerNorm2d(conv, weight: w, bias: b)
        assertClose(y.toArray(), referenceLayerNorm2d(ref.map(Float.init), conv.shape, weight: w.toArray(), bias: b.toArray(), eps: 1e-6))
        for (name, tag) in imageLayouts {
            let x = randomTensor([2, 24, 3, 2], seed: 8)
            assertClose(try layerNorm2d(inLayout(x, tag), weight: nil, bias: nil).toArray(),
                        referenceLayerNorm2d(x.toArray(), x.shape, weight: nil, bias: nil, eps: 1e-6), name)
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        let x = randomTensor([2, 5, 3, 2], seed: 10, requiresGrad: true)
        let w = randomTensor([5], seed: 11, requiresGrad: true), b = randomTensor([5], seed: 12, requiresGrad: true)
        try checkGradients([x, w, b], eps: 1e-3) { try layerNorm2d($0[0], weight: $0[1], bias: $0[2]) }
        try checkGradients([x], eps: 1e-3) { try layerNorm2d($0[0], weight: nil, bias: nil, eps: 0.1) }
        let xb = randomTensor([1, 20, 2, 2], seed: 13, requiresGrad: true)
        let wb = randomTensor([20], seed: 14, requiresGrad: true), bb = randomTensor([20], seed: 15, requiresGrad: true)
        try checkGradients([xb, wb, bb], eps: 1e-3) { try layerNorm2d(blocked($0[0]), weight: $0[1], bias: $0[2]) }
    }

    func testOnlyNeededGradients() throws {
        let x = randomTensor([1, 4, 2, 2], seed: 16)
        let w = randomTensor([4], seed: 17, requiresGrad: true), b = randomTensor([4], seed: 18)
        try layerNorm2d(x, weight: w, bias: b).backward(gradient: Tensor.ones([1, 4, 2, 2]))
        XCTAssertNotNil(w.grad)
        XCTAssertNil(b.grad)
        XCTAssertNil(x.grad)
    }

    func testRejectsBadShapes() {
        let x = randomTensor([2, 3, 4, 4], seed: 19)
        assertShapeError("layer_norm2d", [4], [2, 3, 4, 4]) { try layerNorm2d(x, weight: randomTensor([4], seed: 1), bias: nil) }
        assertShapeError("layer_norm2d", [2], [2, 3, 4, 4]) { try layerNorm2d(x, weight: nil, bias: randomTensor([2], seed: 1)) }
        XCTAssertThrowsError(try layerNorm2d(randomTensor([2, 3], seed: 1), weight: nil, bias: nil))
        XCTAssertThrowsError(try layerNorm2d(x, weight: nil, bias: nil, eps: -1))
        XCTAssertThrowsError(try layerNorm2d(Tensor(labels: [1, 2, 3, 4]).reshaped([1, 4, 1, 1]), weight: nil, bias: nil))
    }
}
