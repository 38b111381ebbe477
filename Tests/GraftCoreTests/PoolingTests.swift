import CDNNL
import XCTest
@testable import GraftCore

/// PyTorch's `pooling_output_shape`, literally.
func referencePooledSize(_ input: Int, _ k: Int, _ s: Int, _ p: Int, _ ceilMode: Bool) -> Int {
    var out = (input + 2 * p - k + (ceilMode ? s - 1 : 0)) / s + 1
    if ceilMode && (out - 1) * s >= input + p { out -= 1 }
    return out
}

/// Naive max_pool2d / avg_pool2d in Double, following aten/src/ATen/native/cpu/AvgPoolKernel.cpp:
/// the include-padding divisor is the window clipped to the padded input, the exclude-padding
/// divisor the window clipped to the input.
func referencePool2d(_ x: [Float], _ s: [Int], _ c: Pool2dConfig, max isMax: Bool) -> ([Double], [Int]) {
    let (n, ch, h, w) = (s[0], s[1], s[2], s[3])
    let (kh, kw) = c.kernel, (sh, sw) = c.stride, (ph, pw) = c.padding
    let oh = referencePooledSize(h, kh, sh, ph, c.ceilMode), ow = referencePooledSize(w, kw, sw, pw, c.ceilMode)
    var out = [Double](repeating: 0, count: n * ch * oh * ow)
    for plane in 0..<(n * ch) { for i in 0..<oh { for j in 0..<ow {
        var hstart = i * sh - ph, wstart = j * sw - pw
        var hend = min(hstart + kh, h + ph), wend = min(wstart + kw, w + pw)
        let poolSize = (hend - hstart) * (wend - wstart)
        hstart = max(hstart, 0); wstart = max(wstart, 0)
        hend = min(hend, h); wend = min(wend, w)
        var acc = isMax ? -Double.infinity : 0
        for y in hstart..<hend { for xx in wstart..<wend {
            let v = Double(x[(plane * h + y) * w + xx])
            acc = isMax ? max(acc, v) : acc + v
        }}
        if !isMax { acc /= Double(c.countIncludePad ? poolSize : (hend - hstart) * (wend - wstart)) }
        out[(plane * oh + i) * ow + j] = acc
    }}}
    return (out, [n, ch, oh, ow])
}

/// Naive adaptive_avg_pool2d in Double: output i averages floor(i·H/out) ..< ceil((i+1)·H/out).
func referenceAdaptiveAvgPool2d(_ x: [Float], _ s: [Int], _ oh: Int, _ ow: Int) -> [Double] {
    let (n, ch, h, w) = (s[0], s[1], s[2], s[3])
    func window(_ i: Int, _ input: Int, _ output: Int) -> Range<Int> {
        Int((Double(i * input) / Double(output)).rounded(.down))..<Int((Double((i + 1) * input) / Double(output)).rounded(.up))
    }
    var out = [Double](repeating: 0, count: n * ch * oh * ow)
    for plane in 0..<(n * ch) { for i in 0..<oh { for j in 0..<ow {
        let r = window(i, h, oh), cl = window(j, w, ow)
        var acc = 0.0
        for y in r { for xx in cl { acc += Double(x[(plane * h + y) * w + xx]) } }
        out[(plane * oh + i) * ow + j] = acc / Double(r.count * cl.count)
    }}}
    return out
}

/// A tensor whose values are distinct and 0.05 apart, so that finite differences never
/// change which element a max-pooling window picks.
func distinctTensor(_ shape: [Int], seed: UInt64, requiresGrad: Bool = false) -> Tensor {
    var g = RandomGenerator(seed: seed)
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }.shuffled(using: &g)
    let t = Tensor(shape: shape, data: values)
    t.requiresGrad = requiresGrad
    return t
}

final class PoolingTests: XCTestCase {
    struct Case { let x: [Int]; let config: Pool2dConfig }

    let cases: [Case] = [
        Case(x: [2, 3, 7, 7], config: Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1))),
        Case(x: [1, 3, 7, 7], config: Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)),
        Case(x: [1, 2, 6, 6], config: Pool2dConfig(kernel: (3, 3), stride: (2, 2), ceilMode: true)),          // last window hangs over
        Case(x: [1, 3, 8, 9], config: Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)), // hangs past padding
        Case(x: [1, 6, 5, 5], config: Pool2dConfig(kernel: (2, 2), ceilMode: true)),                          // hangs over, stride 2
        Case(x: [1, 3, 5, 5], config: Pool2dConfig(kernel: (2, 2))),                                          // floor drops a row
        Case(x: [1, 2, 4, 4], config: Pool2dConfig(kernel: (2, 2), stride: (3, 3), padding: (1, 1), ceilMode: true)), // ceil drops a window
        Case(x: [2, 20, 3, 3], config: Pool2dConfig(kernel: (1, 1))),                                         // kernel 1
        Case(x: [2, 16, 3, 5], config: Pool2dConfig(kernel: (3, 5))),                                         // whole image
        Case(x: [1, 32, 6, 6], config: Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)),
        Case(x: [1, 6, 5, 7], config: Pool2dConfig(kernel: (2, 3), stride: (1, 2), padding: (1, 1), ceilMode: true)),
        Case(x: [1, 3, 5, 6], config: Pool2dConfig(kernel: (4, 3), stride: (3, 2), padding: (2, 1), ceilMode: true)),
    ]

    /// Each case as max pooling and as average pooling with and without padding in the count.
    var variants: [(name: String, x: [Int], config: Pool2dConfig, isMax: Bool)] {
        cases.enumerated().flatMap { i, c -> [(name: String, x: [Int], config: Pool2dConfig, isMax: Bool)] in
            var exclude = c.config
            exclude.countIncludePad = false
            return [("case \(i) max", c.x, c.config, true), ("case \(i) avg", c.x, c.config, false),
                    ("case \(i) avg exclude pad", c.x, exclude, false)]
        }
    }

    func pool(_ x: Tensor, _ config: Pool2dConfig, isMax: Bool) throws -> Tensor {
        isMax ? try maxPool2d(x, config) : try avgPool2d(x, config)
    }

    func testForwardMatchesReference() throws {
        for (i, v) in variants.enumerated() {
            let x = v.isMax ? distinctTensor(v.x, seed: UInt64(i)) : randomTensor(v.x, seed: UInt64(i))
            let y = try pool(x, v.config, isMax: v.isMax)
            let (ref, shape) = referencePool2d(x.toArray(), v.x, v.config, max: v.isMax)
            XCTAssertEqual(y.shape, shape, v.name)
            assertClose(y.toArray(), ref, v.name)
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (i, v) in variants.enumerated() {
            let x = v.isMax ? distinctTensor(v.x, seed: UInt64(i), requiresGrad: true) : randomTensor(v.x, seed: UInt64(i), requiresGrad: true)
            try checkGradients([x]) { t in try self.pool(t[0], v.config, isMax: v.isMax) }
        }
    }

    func testBlockedLayouts() throws {
        let shapes = [[2, 16, 7, 7], [1, 20, 6, 6], [1, 32, 5, 5]]
        let config = Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)
        for (i, shape) in shapes.enumerated() {
            for layout in imageLayouts {
                for isMax in [true, false] {
                    let name = "\(shapeString(shape)) \(layout.name) \(isMax ? "max" : "avg")"
                    let x = isMax ? distinctTensor(shape, seed: UInt64(i), requiresGrad: true) : randomTensor(shape, seed: UInt64(i), requiresGrad: true)
                    let y = try pool(inLayout(x, layout.tag), config, isMax: isMax)
                    assertClose(y.toArray(), referencePool2d(x.toArray(), shape, config, max: isMax).0, name)
                    try checkGradients([x]) { t in try self.pool(inLayout(t[0], layout.tag), config, isMax: isMax) }
                }
            }
        }
    }

    func testMaxPoolRecordsOnlyWhenInputNeedsGradient() throws {
        let config = Pool2dConfig(kernel: (2, 2))
        let frozen = try maxPool2d(distinctTensor([1, 2, 4, 4], seed: 1), config)
        XCTAssertTrue(frozen.isLeaf)
        Engine.shared.resetExecutionCounts()
        let x = distinctTensor([1, 2, 4, 4], seed: 1, requiresGrad: true)
        try maxPool2d(x, config).backward(gradient: Tensor.ones([1, 2, 2, 2]))
        XCTAssertEqual(Engine.shared.executionCounts["max_pool2d.forward"], 1)
        XCTAssertEqual(Engine.shared.executionCounts["max_pool2d.backward"], 1)
        XCTAssertEqual(x.grad?.toArray().reduce(0, +), 8)
    }

    struct AdaptiveCase { let x: [Int]; let out: (Int, Int) }

    let adaptiveCases: [AdaptiveCase] = [
        AdaptiveCase(x: [2, 20, 3, 5], out: (1, 1)),   // global
        AdaptiveCase(x: [1, 3, 6, 6], out: (3, 3)),    // divisible
        AdaptiveCase(x: [1, 16, 7, 5], out: (3, 2)),   // not divisible
        AdaptiveCase(x: [1, 3, 5, 5], out: (7, 7)),    // upsampling
        AdaptiveCase(x: [2, 6, 6, 5], out: (3, 2)),    // divisible rows only
        AdaptiveCase(x: [1, 2, 7, 7], out: (7, 7)),    // identity
    ]

    func testAdaptiveForwardMatchesReference() throws {
        for (i, c) in adaptiveCases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i))
            let y = try adaptiveAvgPool2d(x, outputSize: c.out)
            XCTAssertEqual(y.shape, [c.x[0], c.x[1], c.out.0, c.out.1], "case \(i)")
            assertClose(y.toArray(), referenceAdaptiveAvgPool2d(x.toArray(), c.x, c.out.0, c.out.1), "case \(i)")
        }
    }

    func testAdaptiveBackwardMatchesFiniteDifferences() throws {
        for (i, c) in adaptiveCases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i), requiresGrad: true)
            try checkGradients([x]) { t in try adaptiveAvgPool2d(t[0], outputSize: c.out) }
            let blocked = randomTensor(c.x, seed: UInt64(i), requiresGrad: true)
            try checkGradients([blocked]) { t in try adaptiveAvgPool2d(inLayout(t[0], dnnl_nChw16c), outputSize: c.out) }
        }
    }

    func testAdaptiveDivisibleRunsOneOneDNNPooling() throws {
        Engine.shared.resetExecutionCounts()
        _ = try adaptiveAvgPool2d(randomTensor([1, 3, 6, 6], seed: 1), outputSize: (2, 3))
        XCTAssertEqual(Engine.shared.executionCounts["avg_pool2d.forward"], 1)
    }

    func testShapeMismatchNamesOpAndShapes() {
        assertShapeError("max_pool2d", [3, 7, 7], [3, 3]) {
            try maxPool2d(randomTensor([3, 7, 7], seed: 1), Pool2dConfig(kernel: (3, 3)))
        }
        assertShapeError("avg_pool2d", [1, 2, 2, 2], [3, 3]) {
            try avgPool2d(randomTensor([1, 2, 2, 2], seed: 1), Pool2dConfig(kernel: (3, 3)))
        }
        assertShapeError("adaptive_avg_pool2d", [4, 4], [2, 2]) {
            try adaptiveAvgPool2d(randomTensor([4, 4], seed: 1), outputSize: (2, 2))
        }
    }

    func testInvalidArgumentsThrow() {
        let x = randomTensor([1, 2, 6, 6], seed: 1)
        for config in [Pool2dConfig(kernel: (3, 3), padding: (2, 0)),     // padding > kernel / 2
                       Pool2dConfig(kernel: (2, 2), stride: (0, 1)),
                       Pool2dConfig(kernel: (0, 2))] {
            for isMax in [true, false] {
                XCTAssertThrowsError(try pool(x, config, isMax: isMax)) { error in
                    guard case .invalidArgument? = error as? GraftError else { return XCTFail("\(error)") }
                }
            }
        }
        XCTAssertThrowsError(try adaptiveAvgPool2d(x, outputSize: (0, 2)))
    }
}
