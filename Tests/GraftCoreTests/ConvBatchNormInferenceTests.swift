import XCTest
@testable import GraftCore

/// Naive inference batch norm (running statistics) over `[N, C, H, W]` values in Double.
func referenceBatchNormInference(_ y: [Double], _ shape: [Int], gamma: [Float]?, beta: [Float]?,
                                 mean: [Float], variance: [Float], eps: Float) -> [Double] {
    let (c, hw) = (shape[1], shape[2] * shape[3])
    return y.indices.map { i in
        let ch = (i / hw) % c
        let s = Double(gamma?[ch] ?? 1) / (Double(variance[ch]) + Double(eps)).squareRoot()
        return (y[i] - Double(mean[ch])) * s + Double(beta?[ch] ?? 0)
    }
}

final class ConvBatchNormInferenceTests: XCTestCase {
    struct Case { let x: [Int]; let w: [Int]; let bias: Bool; let affine: Bool; let activation: FusedActivation?; let config: Conv2dConfig }

    let cases: [Case] = [
        Case(x: [2, 16, 8, 8], w: [32, 16, 3, 3], bias: false, affine: true, activation: .relu, config: Conv2dConfig(padding: .symmetric(1))),
        Case(x: [1, 3, 9, 7], w: [5, 3, 7, 7], bias: true, affine: true, activation: nil, config: Conv2dConfig(stride: (2, 2), padding: .symmetric(3))),
        Case(x: [2, 8, 6, 6], w: [8, 2, 3, 3], bias: true, affine: false, activation: .relu, config: Conv2dConfig(padding: .symmetric(1), groups: 4)),
        Case(x: [1, 4, 5, 5], w: [6, 4, 1, 1], bias: false, affine: true, activation: .relu, config: Conv2dConfig()),
        // Sums of 288 products: many outputs above 6, so ReLU6's upper bound is exercised.
        Case(x: [1, 32, 6, 6], w: [8, 32, 3, 3], bias: true, affine: true, activation: .relu6, config: Conv2dConfig(padding: .symmetric(1))),
        Case(x: [2, 8, 6, 6], w: [8, 8, 3, 3], bias: true, affine: true, activation: .hardswish, config: Conv2dConfig(padding: .symmetric(1))),
        Case(x: [2, 8, 6, 6], w: [8, 1, 3, 3], bias: false, affine: true, activation: .silu, config: Conv2dConfig(padding: .symmetric(1), groups: 8)),
        Case(x: [1, 8, 4, 4], w: [4, 8, 1, 1], bias: true, affine: false, activation: .sigmoid, config: Conv2dConfig()),
    ]

    func tensors(_ c: Case, seed: UInt64) -> (x: Tensor, w: Tensor, b: Tensor?, gamma: Tensor?, beta: Tensor?, mean: Tensor, variance: Tensor) {
        let o = c.w[0]
        let variance = Tensor(shape: [o], data: randomValues(o, seed: seed + 6).map { abs($0) + 0.1 })
        return (randomTensor(c.x, seed: seed), randomTensor(c.w, seed: seed + 1), c.bias ? randomTensor([o], seed: seed + 2) : nil,
                c.affine ? randomTensor([o], seed: seed + 3) : nil, c.affine ? randomTensor([o], seed: seed + 4) : nil,
                randomTensor([o], seed: seed + 5), variance)
    }

    func reference(_ c: Case, _ t: (x: Tensor, w: Tensor, b: Tensor?, gamma: Tensor?, beta: Tensor?, mean: Tensor, variance: Tensor),
                   eps: Float) -> [Double] {
        let (conv, shape) = referenceConv2d(t.x.toArray(), c.x, t.w.toArray(), c.w, t.b?.toArray(), c.config)
        let bn = referenceBatchNormInference(conv, shape, gamma: t.gamma?.toArray(), beta: t.beta?.toArray(),
                                             mean: t.mean.toArray(), variance: t.variance.toArray(), eps: eps)
        switch c.activation {
        case .relu?: return bn.map { max($0, 0) }
        case .relu6?: return bn.map { min(max($0, 0), 6) }
        case .hardswish?: return bn.map { $0 * min(max($0 + 3, 0), 6) / 6 }
        case .silu?: return bn.map { $0 / (1 + exp(-$0)) }
        case .sigmoid?: return bn.map { 1 / (1 + exp(-$0)) }
        case nil: return bn
        }
    }

    func run(_ c: Case, _ t: (x: Tensor, w: Tensor, b: Tensor?, gamma: Tensor?, beta: Tensor?, mean: Tensor, variance: Tensor),
             eps: Float) throws -> Tensor {
        try conv2dBatchNormInference(t.x, weight: t.w, bias: t.b, c.config, bnWeight: t.gamma, bnBias: t.beta,
                                     runningMean: t.mean, runningVar: t.variance, eps: eps, adding: nil, activation: c.activation)
    }

    func testMatchesReference() throws {
        for (i, c) in cases.enumerated() {
            let t = tensors(c, seed: UInt64(10 * i))
            let y = try run(c, t, eps: 1e-3)
            XCTAssertEqual(y.shape, [c.x[0], c.w[0]] + Array(try conv2d(t.x, weight: t.w, bias: t.b, c.config).shape[2...]))
            assertClose(y.toArray(), reference(c, t, eps: 1e-3), "case \(i)")
        }
    }

    /// With an addend, the result is `activation(bn(conv) + addend)`, and the addend is left as it
    /// was, whatever its layout.
    func testSumPostOpAddsBeforeTheActivation() throws {
        for (i, c) in [cases[0], cases[4]].enumerated() {
            let t = tensors(c, seed: UInt64(50 + 10 * i))
            let plain = try conv2dBatchNormInference(t.x, weight: t.w, bias: t.b, c.config, bnWeight: t.gamma, bnBias: t.beta,
                                                     runningMean: t.mean, runningVar: t.variance, eps: 1e-3, adding: nil, activation: nil)
            let addend = randomTensor(plain.shape, seed: UInt64(60 + i)), before = addend.toArray()
            let y = try conv2dBatchNormInference(t.x, weight: t.w, bias: t.b, c.config, bnWeight: t.gamma, bnBias: t.beta,
                                                 runningMean: t.mean, runningVar: t.variance, eps: 1e-3, adding: addend,
                                                 activation: c.activation)
            let summed = zip(reference(Case(x: c.x, w: c.w, bias: c.bias, affine: c.affine, activation: nil, config: c.config),
                                       t, eps: 1e-3), before).map { $0 + Double($1) }
            assertClose(y.toArray(), summed.map { c.activation == .relu ? max($0, 0) : min(max($0, 0), 6) }, "case \(i)")
            XCTAssertEqual(addend.toArray(), before, "the addend is not written")
            // An addend already in the output's layout (the convolution's own output) is copied too.
            let plainValues = plain.toArray()
            let doubled = try conv2dBatchNormInference(t.x, weight: t.w, bias: t.b, c.config, bnWeight: t.gamma, bnBias: t.beta,
                                                       runningMean: t.mean, runningVar: t.variance, eps: 1e-3, adding: plain,
                                                       activation: nil)
            assertClose(doubled.toArray(), plainValues.map { 2 * Double($0) }, "case \(i), own output")
            XCTAssertEqual(plain.toArray(), plainValues, "the convolution's output is not written")
        }
    }

    func testFoldedWeightsFollowEveryWrite() throws {
        let c = cases[0]
        let t = tensors(c, seed: 100)
        _ = try run(c, t, eps: 1e-5)
        Engine.shared.resetExecutionCounts()
        let y = try run(c, t, eps: 1e-5)
        XCTAssertEqual(Engine.shared.executionCounts["reorder"], 1, "only the input is reordered once folded weights are cached")
        assertClose(y.toArray(), reference(c, t, eps: 1e-5), "cached")
        for (name, tensor) in [("weight", t.w), ("gamma", t.gamma!), ("beta", t.beta!), ("mean", t.mean), ("variance", t.variance)] {
            tensor.withUnsafeMutableFloats { p in for i in p.indices { p[i] = abs(p[i]) * 1.5 + 0.05 } }
            assertClose(try run(c, t, eps: 1e-5).toArray(), reference(c, t, eps: 1e-5), "after writing \(name)")
        }
        t.mean.assign(randomTensor([c.w[0]], seed: 7))
        assertClose(try run(c, t, eps: 1e-5).toArray(), reference(c, t, eps: 1e-5), "after assigning the mean")
    }

    func testRefusesToRunWhenAGradientWouldBeRecorded() throws {
        let c = cases[0]
        let t = tensors(c, seed: 200)
        t.w.requiresGrad = true
        XCTAssertThrowsError(try run(c, t, eps: 1e-5))
        XCTAssertNoThrow(try GradMode.withoutGradients { try run(c, t, eps: 1e-5) })
        t.w.requiresGrad = false
        let addend = randomTensor(try run(c, t, eps: 1e-5).shape, seed: 201, requiresGrad: true)
        func runAdding() throws -> Tensor {
            try conv2dBatchNormInference(t.x, weight: t.w, bias: t.b, c.config, bnWeight: t.gamma, bnBias: t.beta, runningMean: t.mean,
                                         runningVar: t.variance, eps: 1e-5, adding: addend, activation: nil)
        }
        XCTAssertThrowsError(try runAdding(), "an addend that needs a gradient")
        XCTAssertThrowsError(try conv2d(t.x, weight: t.w, bias: nil, c.config, adding: addend, activation: nil))
        XCTAssertNoThrow(try GradMode.withoutGradients { try runAdding() })
    }

    func testMismatchedStatisticsThrowShapeErrors() throws {
        let c = cases[0]
        let t = tensors(c, seed: 300)
        assertShapeError("conv2d_batch_norm", [5], c.w) {
            try conv2dBatchNormInference(t.x, weight: t.w, bias: nil, c.config, bnWeight: nil, bnBias: nil,
                                             runningMean: randomTensor([5], seed: 1), runningVar: t.variance, eps: 1e-5, adding: nil, activation: .relu)
        }
    }
}
