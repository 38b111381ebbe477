import XCTest
@testable import GraftCore

/// Naive conv2d in Double, torch semantics.
func referenceConv2d(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], _ b: [Float]?, _ c: Conv2dConfig) -> ([Double], [Int]) {
    let (n, ci, h, wd) = (xs[0], xs[1], xs[2], xs[3])
    let (o, ig, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    let p = c.padding
    let oh = (h + p.top + p.bottom - c.dilation.0 * (kh - 1) - 1) / c.stride.0 + 1
    let ow = (wd + p.left + p.right - c.dilation.1 * (kw - 1) - 1) / c.stride.1 + 1
    let og = o / c.groups
    var out = [Double](repeating: 0, count: n * o * oh * ow)
    for b0 in 0..<n { for oc in 0..<o {
        let g = oc / og
        for y in 0..<oh { for xo in 0..<ow {
            var acc = Double(b?[oc] ?? 0)
            for icg in 0..<ig {
                let ic = g * ig + icg
                for ky in 0..<kh { for kx in 0..<kw {
                    let iy = y * c.stride.0 - p.top + ky * c.dilation.0
                    let ix = xo * c.stride.1 - p.left + kx * c.dilation.1
                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                    acc += Double(x[((b0 * ci + ic) * h + iy) * wd + ix]) * Double(w[((oc * ig + icg) * kh + ky) * kw + kx])
                }}
            }
            out[((b0 * o + oc) * oh + y) * ow + xo] = acc
        }}
    }}
    _ = ci
    return (out, [n, o, oh, ow])
}

final class Conv2dTests: XCTestCase {
    struct Case { let x: [Int]; let w: [Int]; let bias: Bool; let config: Conv2dConfig }

    let cases: [Case] = [
        Case(x: [2, 3, 8, 8], w: [4, 3, 3, 3], bias: true, config: Conv2dConfig(padding: .symmetric(1))),
        Case(x: [1, 2, 5, 5], w: [3, 2, 1, 1], bias: false, config: Conv2dConfig()),                          // 1×1
        Case(x: [1, 2, 9, 9], w: [2, 2, 7, 7], bias: true, config: Conv2dConfig(padding: .symmetric(3))),    // 7×7
        Case(x: [2, 2, 7, 9], w: [3, 2, 3, 3], bias: true, config: Conv2dConfig(stride: (2, 2), padding: .symmetric(1))), // stride 2, odd
        Case(x: [1, 4, 6, 6], w: [6, 2, 3, 3], bias: true, config: Conv2dConfig(padding: .symmetric(1), groups: 2)),    // groups
        Case(x: [1, 4, 6, 6], w: [4, 1, 3, 3], bias: false, config: Conv2dConfig(stride: (2, 2), padding: .symmetric(1), groups: 4)), // depthwise
        Case(x: [1, 2, 4, 4], w: [2, 2, 3, 3], bias: true, config: Conv2dConfig(padding: .symmetric(2))),    // padding > k/2
        Case(x: [1, 2, 7, 7], w: [2, 2, 3, 3], bias: true, config: Conv2dConfig(stride: (2, 2), padding: Padding2d(top: 0, left: 0, bottom: 1, right: 1))), // TF "same"
        Case(x: [1, 2, 9, 9], w: [2, 2, 3, 3], bias: false, config: Conv2dConfig(padding: .symmetric(2), dilation: (2, 2))), // dilation
    ]

    func testForwardMatchesReference() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i))
            let w = randomTensor(c.w, seed: UInt64(100 + i))
            let b = c.bias ? randomTensor([c.w[0]], seed: UInt64(200 + i)) : nil
            let y = try conv2d(x, weight: w, bias: b, c.config)
            let (ref, shape) = referenceConv2d(x.toArray(), c.x, w.toArray(), c.w, b?.toArray(), c.config)
            XCTAssertEqual(y.shape, shape, "case \(i)")
            assertClose(y.toArray(), ref, "case \(i)")
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i), requiresGrad: true)
            let w = randomTensor(c.w, seed: UInt64(100 + i), requiresGrad: true)
            var inputs = [x, w]
            if c.bias { inputs.append(randomTensor([c.w[0]], seed: UInt64(200 + i), requiresGrad: true)) }
            try checkGradients(inputs) { t in
                try conv2d(t[0], weight: t[1], bias: t.count > 2 ? t[2] : nil, c.config)
            }
        }
    }

    func testFrozenWeightGetsNoGradientAndNoBackwardWeightsPass() throws {
        let x = randomTensor([1, 2, 5, 5], seed: 1, requiresGrad: true)
        let w = randomTensor([3, 2, 3, 3], seed: 2)
        Engine.shared.resetExecutionCounts()
        try conv2d(x, weight: w).backward(gradient: Tensor.ones([1, 3, 3, 3]))
        XCTAssertNil(w.grad)
        XCTAssertNotNil(x.grad)
        XCTAssertEqual(Engine.shared.executionCounts["conv2d.backward_weights"], nil)
        XCTAssertEqual(Engine.shared.executionCounts["conv2d.backward_data"], 1)
    }

    func testShapeMismatchNamesOpAndShapes() {
        assertShapeError("conv2d", [1, 3, 8, 8], [4, 2, 3, 3]) {
            try conv2d(randomTensor([1, 3, 8, 8], seed: 1), weight: randomTensor([4, 2, 3, 3], seed: 2))
        }
        assertShapeError("conv2d", [1, 3, 2, 2], [4, 3, 5, 5]) {
            try conv2d(randomTensor([1, 3, 2, 2], seed: 1), weight: randomTensor([4, 3, 5, 5], seed: 2))
        }
    }
}
