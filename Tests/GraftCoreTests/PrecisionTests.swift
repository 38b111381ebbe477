import XCTest
@testable import GraftCore

/// `f` rounded to the nearest bfloat16 (ties to even), as oneDNN's f32 → bf16 reorder rounds.
func roundedToBFloat16(_ f: Float) -> Float {
    let b = f.bitPattern
    return Float(bitPattern: (b &+ 0x7FFF &+ ((b >> 16) & 1)) & 0xFFFF_0000)
}

/// bf16 convolutions and inner products equal float32 ones run on bf16-rounded operands
/// (input, weights and, backwards, the output gradient): bias, results and gradients stay float32.
final class PrecisionTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "this CPU has no AVX512-BF16")
    }

    override func tearDown() {
        try? Engine.shared.setPrecision(.float32)
    }

    /// Runs `op` on `inputs` and back-propagates `seed`; returns the output and each input's gradient.
    private func run(_ precision: ComputePrecision, _ inputs: [[Float]], shapes: [[Int]], seed: [Float],
                     _ op: ([Tensor]) throws -> Tensor) throws -> [[Float]] {
        try Engine.shared.setPrecision(precision)
        defer { try? Engine.shared.setPrecision(.float32) }
        let tensors = zip(inputs, shapes).map { v, s in
            let t = Tensor(shape: s, data: v)
            t.requiresGrad = true
            return t
        }
        let out = try op(tensors)
        try out.backward(gradient: Tensor(shape: out.shape, data: seed))
        return [out.toArray()] + tensors.map { $0.grad!.toArray() }
    }

    private func check(_ shapes: [[Int]], outCount: Int, roundedCount: Int, _ op: ([Tensor]) throws -> Tensor) throws {
        let inputs = shapes.enumerated().map { i, s in randomValues(s.reduce(1, *), seed: UInt64(10 + i)) }
        let seed = randomValues(outCount, seed: 99)
        let bf16 = try run(.bfloat16, inputs, shapes: shapes, seed: seed, op)
        // The operands rounded by hand (input, weights; the bias is not rounded), run in float32.
        let rounded = inputs.enumerated().map { i, v in i < roundedCount ? v.map(roundedToBFloat16) : v }
        let reference = try run(.float32, rounded, shapes: shapes, seed: seed.map(roundedToBFloat16), op)
        let plain = try run(.float32, inputs, shapes: shapes, seed: seed, op)
        for (k, name) in ["output", "input gradient", "weight gradient", "bias gradient"].prefix(bf16.count).enumerated() {
            assertClose(bf16[k], reference[k].map(Double.init), rtol: 1e-4, atol: 1e-4, name)
            // Not vacuous: unrounded float32 differs by far more than summation order would.
            if k < 3 {
                let gap = zip(bf16[k], plain[k]).map { abs($0 - $1) }.max() ?? 0
                XCTAssertGreaterThan(gap, 1e-3, "\(name): bf16 should differ from float32")
            }
        }
    }

    func testConvolutionIsFloat32OnRoundedOperands() throws {
        let cases: [([Int], [Int], Conv2dConfig)] = [
            ([2, 16, 8, 8], [32, 16, 3, 3], Conv2dConfig(padding: .symmetric(1))),
            ([2, 3, 9, 9], [8, 3, 3, 3], Conv2dConfig(stride: (2, 2), padding: .symmetric(1))),
            ([2, 32, 5, 5], [64, 32, 1, 1], Conv2dConfig()),
        ]
        for (x, w, config) in cases {
            let oh = (x[2] + 2 * config.padding.top - w[2]) / config.stride.0 + 1
            try check([x, w, [w[0]]], outCount: x[0] * w[0] * oh * oh, roundedCount: 2) { t in
                try conv2d(t[0], weight: t[1], bias: t[2], config)
            }
        }
    }

    /// Depthwise and grouped convolutions stay float32 under bf16, bit for bit.
    func testGroupedConvolutionStaysFloat32() throws {
        let shapes = [[1, 16, 6, 6], [16, 1, 3, 3], [16]]
        let inputs = shapes.enumerated().map { i, s in randomValues(s.reduce(1, *), seed: UInt64(20 + i)) }
        let seed = randomValues(16 * 36, seed: 98)
        let op = { (t: [Tensor]) in try conv2d(t[0], weight: t[1], bias: t[2], Conv2dConfig(padding: .symmetric(1), groups: 16)) }
        XCTAssertEqual(try run(.bfloat16, inputs, shapes: shapes, seed: seed, op), try run(.float32, inputs, shapes: shapes, seed: seed, op))
    }

    func testLinearIsFloat32OnRoundedOperands() throws {
        try check([[8, 64], [32, 64], [32]], outCount: 8 * 32, roundedCount: 2) { t in
            try linear(t[0], weight: t[1], bias: t[2])
        }
    }

    func testPrecisionIsSetForTheEngine() throws {
        try Engine.shared.setPrecision(.bfloat16)
        XCTAssertEqual(Engine.shared.precision, .bfloat16)
        try Engine.shared.setPrecision(.float32)
        XCTAssertEqual(Engine.shared.precision, .float32)
        XCTAssertEqual(ComputePrecision(rawValue: "bf16"), .bfloat16)
    }
}
