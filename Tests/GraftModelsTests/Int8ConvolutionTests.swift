import Foundation
import GraftCore
import XCTest

/// The int8 convolutions of an `ExecutionPlan` against a naive int8 reference in Swift: exact
/// integer accumulation, then the scales, rounding to nearest-even and saturation as oneDNN
/// does. The graph: a float first convolution (1×1 identity, ReLU) → an int8 3×3 convolution
/// with bias and ReLU (u8 out) → an int8 3×3 convolution with bias adding that output as its
/// residual and a ReLU after the sum (u8 out) → an int8 1×1 identity convolution, whose float
/// output is the previous one dequantised: so the plan's output must be the reference's u8
/// values times their step, to one step. The float parts run bfloat16 where the CPU has it:
/// the image and the last step are chosen exact in bfloat16 (multiples of 1/64 up to 2, and
/// u8 values times a power of two).
final class Int8ConvolutionTests: XCTestCase {
    private let (n, c, side) = (2, 8, 6)

    private func values(_ shape: [Int], _ seed: Int, scale: Float) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919 + seed * 104_729) % 997) / 498.5 * scale - scale })
    }

    private var identity: Tensor {
        Tensor(shape: [c, c, 1, 1], data: (0..<c * c).map { $0 / c == $0 % c ? 1 : 0 })
    }

    private lazy var parameters: [(String, Tensor)] = [
        ("first.weight", identity), ("a.weight", values([c, c, 3, 3], 1, scale: 0.3)), ("a.bias", values([c], 2, scale: 0.2)),
        ("b.weight", values([c, c, 3, 3], 3, scale: 0.25)), ("b.bias", values([c], 4, scale: 0.1)), ("last.weight", identity),
    ]

    private func param(_ name: String) throws -> Tensor {
        try XCTUnwrap(parameters.first { $0.0 == name }?.1, name)
    }

    private func graph(_ x: Tensor) throws -> Graph {
        let recorder = GraphRecorder(parameters: parameters, inputs: [x])
        let pad = Conv2dConfig(padding: Padding2d(1, 1))
        return optimizedForInference(try GradMode.withoutGradients {
            try recorder.record {
                let first = try relu(conv2d(x, weight: param("first.weight")))
                let a = try relu(conv2d(first, weight: param("a.weight"), bias: param("a.bias"), pad))
                let b = try relu(add(conv2d(a, weight: param("b.weight"), bias: param("b.bias"), pad), a))
                return try conv2d(b, weight: param("last.weight"))
            }
        })
    }

    /// Integer 3×3 convolution (padding 1) of `x` [N, C, H, W] with `w` [C, C, 3, 3], exact.
    private func integerConvolution(_ x: [Int], _ w: [Int]) -> [Int] {
        var out = [Int](repeating: 0, count: x.count)
        for b in 0..<n { for o in 0..<c { for i in 0..<side { for j in 0..<side {
            var sum = 0
            for k in 0..<c { for di in 0..<3 { for dj in 0..<3 {
                let (y, z) = (i + di - 1, j + dj - 1)
                guard (0..<side).contains(y), (0..<side).contains(z) else { continue }
                sum += x[((b * c + k) * side + y) * side + z] * w[((o * c + k) * 3 + di) * 3 + dj]
            } } }
            out[((b * c + o) * side + i) * side + j] = sum
        } } } }
        return out
    }

    /// One int8 convolution as oneDNN computes it: `(acc + bias / (sx·sw)) · sx·sw / sy`, plus
    /// `addend · sa / sy`, ReLU, rounded to nearest-even and saturated to u8.
    private func reference(_ q: [Int], step sx: Float, weight: String, bias: String, out sy: Float, addend: (q: [Int], step: Float)?) throws -> [Int] {
        let w = try param(weight).toArray(), b = try param(bias).toArray()
        let perChannel = w.count / c
        let sw = (0..<c).map { o in (w[o * perChannel..<(o + 1) * perChannel].map(abs).max() ?? 0) / 127 }
        let qw = w.indices.map { Int((w[$0] / sw[$0 / perChannel]).rounded(.toNearestOrEven)) }
        let acc = integerConvolution(q, qw)
        return acc.indices.map { i in
            let o = (i / (side * side)) % c
            var y = (Float(acc[i]) + b[o] / (sx * sw[o])) * (sx * sw[o] / sy)
            if let addend { y += Float(addend.q[i]) * (addend.step / sy) }
            return Int(min(max(y.rounded(.toNearestOrEven), 0), 255))
        }
    }

    /// `values` rounded to multiples of 1/64, exact in bfloat16 for magnitudes up to 4.
    private func bfloat16Exact(_ shape: [Int], _ seed: Int, scale: Float) -> Tensor {
        Tensor(shape: shape, data: values(shape, seed, scale: scale).toArray().map { ($0 * 64).rounded() / 64 })
    }

    func testInt8ConvolutionsWithReLUResidualSumAndPerChannelScalesMatchANaiveReference() throws {
        try XCTSkipUnless(Engine.shared.supportsInt8, "no VNNI")
        let x = bfloat16Exact([n, c, side, side], 9, scale: 2)
        let graph = try graph(x)
        let assignment = assignInt8(graph)
        XCTAssertEqual(assignment.convolutions.count, 3, "every convolution but the first runs int8")
        XCTAssertEqual(assignment.int8Values.count, 2, "the two inner outputs stay 8-bit")
        let p = Dictionary(uniqueKeysWithValues: parameters)
        var ranges = try calibrateActivationRanges(graph, parameters: p, batches: [[x]])
        // b's output (last's input) on a power-of-two step, so that its dequantised values are exact in bfloat16.
        let measured = try ranges.range("b.weight.output")
        let powerOfTwo = ActivationRanges.Range(min: 0, max: 255 * exp2(ceil(log2(measured.max / 255))), meanSquare: measured.meanSquare, samples: measured.samples)
        (ranges.ranges["b.weight.output"], ranges.ranges["last.weight.input"]) = (powerOfTwo, powerOfTwo)
        XCTAssertEqual(Set(ranges.ranges.keys), ["a.weight.input", "a.weight.output", "b.weight.input", "b.weight.output",
                                                 "last.weight.input", "last.weight.output"])
        XCTAssertEqual(ranges.ranges["a.weight.output"], ranges.ranges["b.weight.input"], "one value, two names")
        let plan = try ExecutionPlan(graph, parameters: p, precision: .int8, ranges: ranges)
        XCTAssertEqual(plan.steps.map(\.op), ["input", "conv2d", "quantize", "int8:conv2d", "int8:conv2d", "int8:conv2d"],
                       "one quantisation at the boundary, none between int8 layers")
        XCTAssertEqual(plan.steps.filter { $0.op.hasPrefix("int8:") }.map(\.precision), ["u8", "u8", Engine.shared.supportsBFloat16 ? "bf16" : "fp32"])
        let got = try plan.run([x], parameters: p)[0].toArray()

        let (sx, sa, sb) = try (ranges.range("a.weight.input").step, ranges.range("a.weight.output").step, ranges.range("b.weight.output").step)
        let qx = x.toArray().map { Int(min(max((max($0, 0) / sx).rounded(.toNearestOrEven), 0), 255)) }
        let qa = try reference(qx, step: sx, weight: "a.weight", bias: "a.bias", out: sa, addend: nil)
        let qb = try reference(qa, step: sa, weight: "b.weight", bias: "b.bias", out: sb, addend: (qa, sa))
        XCTAssertGreaterThan(Set(qb).count, 50, "the reference spans the u8 range")
        let steps = zip(got, qb).map { abs($0 / sb - Float($1)) }
        let withinOne = steps.filter { $0 <= 1.01 }.count
        XCTAssertGreaterThanOrEqual(Double(withinOne), 0.99 * Double(steps.count), "worst \(steps.max() ?? 0) steps")
        XCTAssertLessThanOrEqual(steps.reduce(0, +) / Float(steps.count), 0.05, "mean error in steps")
    }

    /// A convolution stays float where quantising its input and weights leaves its output less
    /// than `Int8Assignment.minimumSignalToNoise`: here `a`'s input range stretched 300-fold (as
    /// one outlier among the calibration images would), so that its step dwarfs most values.
    func testAConvolutionWhoseQuantisationIsTooNoisyStaysFloat() throws {
        try XCTSkipUnless(Engine.shared.supportsInt8, "no VNNI")
        let p = Dictionary(uniqueKeysWithValues: parameters)
        let x = values([n, c, side, side], 9, scale: 2)
        let graph = try graph(x)
        let ranges = try calibrateActivationRanges(graph, parameters: p, batches: [[x]])
        let a = try XCTUnwrap(graph.nodes.firstIndex { $0.inputs.count > 1 && $0.inputs[1] == .parameter("a.weight") })
        let kept = assignInt8(graph, ranges: ranges, parameters: p)
        XCTAssertEqual(kept.convolutions.count, 3, "\(kept.signalToNoise)")
        XCTAssertEqual(kept.signalToNoise.count, 3)

        var stretched = ranges
        stretched.ranges["a.weight.input"]?.max *= 300
        let assignment = assignInt8(graph, ranges: stretched, parameters: p)
        let (before, after) = (try XCTUnwrap(kept.signalToNoise[a]), try XCTUnwrap(assignment.signalToNoise[a]))
        // The figure, naively: a's output mean square over the input's rounding noise carried
        // through its weights, plus the weights' own rounding noise, each relative to its signal.
        let step = Double(try stretched.range("a.weight.input").step), output = Double(try XCTUnwrap(ranges.range("a.weight.output").meanSquare))
        let w = try param("a.weight").toArray(), perChannel = w.count / c
        let carried = step * step / 12 * w.reduce(0) { $0 + Double($1) * Double($1) } / Double(c) / output
        var (signal, noise) = (0.0, 0.0)
        for o in 0..<c {
            let row = w[o * perChannel..<(o + 1) * perChannel], wStep = Double(row.map(abs).max() ?? 1) / 127
            for v in row { signal += Double(v) * Double(v); noise += pow(Double(v) - (Double(v) / wStep).rounded(.toNearestOrEven) * wStep, 2) }
        }
        XCTAssertEqual(after, -10 * log10(carried + noise / signal), accuracy: 0.01)
        XCTAssertLessThan(after, Int8Assignment.minimumSignalToNoise)
        XCTAssertLessThan(after, before - 40, "a step 300 times larger: about 49.5 dB less")
        XCTAssertFalse(assignment.convolutions.contains(a), "a stays float")
        XCTAssertEqual(assignment.convolutions.count, 2, "b and last stay int8")
        let plan = try ExecutionPlan(graph, parameters: p, precision: .int8, ranges: stretched)
        XCTAssertEqual(plan.steps.filter { $0.op.hasPrefix("int8:") }.count, 2)
        XCTAssertEqual(plan.steps.filter { $0.op == "conv2d" }.count, 2, "the first and a run float")
        XCTAssertEqual(assignInt8(graph).convolutions.count, 3, "without ranges every candidate is measured")
    }

    /// Calibration gives the same ranges for the same data, and others for other data.
    func testCalibrationIsDeterministicAndFollowsTheData() throws {
        let x = values([n, c, side, side], 9, scale: 2)
        let graph = try graph(x)
        let p = Dictionary(uniqueKeysWithValues: parameters)
        let first = try calibrateActivationRanges(graph, parameters: p, batches: [[x]])
        XCTAssertEqual(try calibrateActivationRanges(graph, parameters: p, batches: [[x]]), first)
        let other = try calibrateActivationRanges(graph, parameters: p, batches: [[values([n, c, side, side], 10, scale: 3)]])
        XCTAssertNotEqual(other, first)
        XCTAssertEqual(Set(other.ranges.keys), Set(first.ranges.keys))
    }

    /// An int8 plan without the range of an activation it quantises names it.
    func testAMissingRangeIsNamed() throws {
        try XCTSkipUnless(Engine.shared.supportsInt8, "no VNNI")
        let x = values([n, c, side, side], 9, scale: 2)
        let graph = try graph(x)
        let p = Dictionary(uniqueKeysWithValues: parameters)
        var ranges = try calibrateActivationRanges(graph, parameters: p, batches: [[x]])
        ranges.ranges["a.weight.input"] = nil
        XCTAssertThrowsError(try ExecutionPlan(graph, parameters: p, precision: .int8, ranges: ranges)) { error in
            XCTAssertTrue("\(error)".contains("a.weight.input"), "\(error)")
        }
    }
}
