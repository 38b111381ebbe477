import XCTest
@testable import GraftCore

/// Per-channel mean and biased variance of row-major `[N, C, …]` data, in Double.
func referenceBatchStats(_ x: [Float], _ s: [Int]) -> (mean: [Double], variance: [Double]) {
    let (n, c) = (s[0], s[1])
    let plane = s.dropFirst(2).reduce(1, *)
    var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
    for ch in 0..<c {
        let values = (0..<n).flatMap { b in (0..<plane).map { Double(x[(b * c + ch) * plane + $0]) } }
        mean[ch] = values.reduce(0, +) / Double(values.count)
        variance[ch] = values.map { ($0 - mean[ch]) * ($0 - mean[ch]) }.reduce(0, +) / Double(values.count)
    }
    return (mean, variance)
}

/// Naive batch normalisation with given statistics, in Double.
func referenceBatchNorm(_ x: [Float], _ s: [Int], gamma: [Float]?, beta: [Float]?, mean: [Double], variance: [Double], eps: Double) -> [Double] {
    let c = s[1]
    let plane = s.dropFirst(2).reduce(1, *)
    return x.enumerated().map { i, v in
        let ch = (i / plane) % c
        let normalised = (Double(v) - mean[ch]) / (variance[ch] + eps).squareRoot()
        return normalised * Double(gamma?[ch] ?? 1) + Double(beta?[ch] ?? 0)
    }
}

final class BatchNormTests: XCTestCase {
    struct Case { let x: [Int]; let weight: Bool; let bias: Bool }

    let cases: [Case] = [
        Case(x: [2, 3, 4, 4], weight: true, bias: true),
        Case(x: [4, 6, 3, 5], weight: true, bias: false),
        Case(x: [2, 16, 3, 3], weight: false, bias: true),
        Case(x: [3, 20, 2, 2], weight: false, bias: false),
        Case(x: [2, 32, 2, 3], weight: true, bias: true),
        Case(x: [1, 3, 1, 2], weight: true, bias: true),    // two values per channel
        Case(x: [5, 6], weight: true, bias: true),          // [N, C]
        Case(x: [8, 16], weight: false, bias: true),
    ]

    /// Running statistics away from their defaults, so that using them shows.
    func runningStats(_ c: Int, seed: UInt64) -> (mean: Tensor, variance: Tensor) {
        (randomTensor([c], seed: seed), Tensor(shape: [c], data: randomValues(c, seed: seed + 1).map { 0.5 + abs($0) }))
    }

    func params(_ c: Case, seed: UInt64, requiresGrad: Bool = false) -> (Tensor?, Tensor?) {
        (c.weight ? randomTensor([c.x[1]], seed: seed + 100, requiresGrad: requiresGrad) : nil,
         c.bias ? randomTensor([c.x[1]], seed: seed + 200, requiresGrad: requiresGrad) : nil)
    }

    func testTrainingForwardAndRunningStatistics() throws {
        let momentum: Float = 0.3, eps: Float = 1e-3
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i))
            let (w, b) = params(c, seed: UInt64(i))
            let (rm, rv) = runningStats(c.x[1], seed: UInt64(300 + i))
            let (rm0, rv0) = (rm.toArray(), rv.toArray())
            let y = try batchNorm(x, weight: w, bias: b, runningMean: rm, runningVar: rv, training: true, momentum: momentum, eps: eps)
            XCTAssertEqual(y.shape, c.x)
            let stats = referenceBatchStats(x.toArray(), c.x)
            assertClose(y.toArray(), referenceBatchNorm(x.toArray(), c.x, gamma: w?.toArray(), beta: b?.toArray(),
                                                        mean: stats.mean, variance: stats.variance, eps: Double(eps)), "case \(i)")
            let n = Double(c.x.reduce(1, *) / c.x[1])
            let m = Double(momentum)
            assertClose(rm.toArray(), zip(rm0, stats.mean).map { (1 - m) * Double($0) + m * $1 }, "running mean, case \(i)")
            assertClose(rv.toArray(), zip(rv0, stats.variance).map { (1 - m) * Double($0) + m * $1 * n / (n - 1) },
                        "running variance, case \(i)")
        }
    }

    func testTrainingUpdatesRunningStatisticsWithoutGradients() throws {
        let x = randomTensor([4, 3, 2, 2], seed: 1)
        let (rm, rv) = (Tensor.zeros([3]), Tensor.ones([3]))
        _ = try GradMode.withoutGradients {
            try batchNorm(x, weight: nil, bias: nil, runningMean: rm, runningVar: rv, training: true)
        }
        let stats = referenceBatchStats(x.toArray(), x.shape)
        assertClose(rm.toArray(), stats.mean.map { 0.1 * $0 })
        assertClose(rv.toArray(), stats.variance.map { 0.9 + 0.1 * $0 * 16 / 15 })
    }

    func testInferenceUsesRunningStatistics() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i))
            let (w, b) = params(c, seed: UInt64(i))
            let (rm, rv) = runningStats(c.x[1], seed: UInt64(300 + i))
            let (rm0, rv0) = (rm.toArray(), rv.toArray())
            let y = try batchNorm(x, weight: w, bias: b, runningMean: rm, runningVar: rv, training: false)
            assertClose(y.toArray(), referenceBatchNorm(x.toArray(), c.x, gamma: w?.toArray(), beta: b?.toArray(),
                                                        mean: rm0.map(Double.init), variance: rv0.map(Double.init), eps: 1e-5), "case \(i)")
            XCTAssertEqual(rm.toArray(), rm0)
            XCTAssertEqual(rv.toArray(), rv0)
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for training in [true, false] {
            for (i, c) in cases.enumerated() {
                let x = randomTensor(c.x, seed: UInt64(i), requiresGrad: true)
                let (w, b) = params(c, seed: UInt64(i), requiresGrad: true)
                let running = runningStats(c.x[1], seed: UInt64(300 + i))
                try checkGradients([x] + [w, b].compactMap { $0 }) { t in
                    let (rm, rv) = (Tensor(shape: [c.x[1]], data: running.mean.toArray()), Tensor(shape: [c.x[1]], data: running.variance.toArray()))
                    return try batchNorm(t[0], weight: c.weight ? t[1] : nil, bias: c.bias ? t[c.weight ? 2 : 1] : nil,
                                         runningMean: rm, runningVar: rv, training: training, eps: 1e-3)
                }
            }
        }
    }

    /// `relu: true` gives bit for bit `relu(batchNorm(x))` and the same gradients, in
    /// training (batch statistics, running ones updated alike) and inference.
    func testFusedReLUEqualsBatchNormThenReLU() throws {
        for training in [true, false] {
            for layout in imageLayouts {
                let shape = [2, 16, 3, 3]
                var results: [[[Float]]] = []
                for fused in [false, true] {
                    let x = randomTensor(shape, seed: 1, requiresGrad: true)
                    let w = randomTensor([16], seed: 2, requiresGrad: true), b = randomTensor([16], seed: 3, requiresGrad: true)
                    let running = runningStats(16, seed: 4)
                    let y0 = try batchNorm(inLayout(x, layout.tag), weight: w, bias: b, runningMean: running.mean,
                                           runningVar: running.variance, training: training, relu: fused)
                    let y = fused ? y0 : try relu(y0)
                    try y.backward(gradient: randomTensor(shape, seed: 5))
                    results.append([y.toArray(), x.grad!.toArray(), w.grad!.toArray(), b.grad!.toArray(),
                                    running.mean.toArray(), running.variance.toArray()])
                }
                XCTAssertTrue(results[1][0].contains(0) && results[1][0].contains { $0 > 0 })
                XCTAssertEqual(results[0], results[1], "\(layout.name) training \(training)")
            }
        }
    }

    func testBlockedLayouts() throws {
        for (i, shape) in [[2, 16, 3, 3], [2, 20, 2, 3], [3, 32, 2, 2]].enumerated() {
            for layout in imageLayouts {
                for training in [true, false] {
                    let name = "\(shapeString(shape)) \(layout.name) training \(training)"
                    let c = shape[1]
                    let x = randomTensor(shape, seed: UInt64(i), requiresGrad: true)
                    let w = randomTensor([c], seed: 7, requiresGrad: true), b = randomTensor([c], seed: 8, requiresGrad: true)
                    let running = runningStats(c, seed: 9)
                    let y = try batchNorm(inLayout(x, layout.tag), weight: w, bias: b, runningMean: Tensor(shape: [c], data: running.mean.toArray()),
                                          runningVar: Tensor(shape: [c], data: running.variance.toArray()), training: training)
                    let stats = training ? referenceBatchStats(x.toArray(), shape)
                                         : (running.mean.toArray().map(Double.init), running.variance.toArray().map(Double.init))
                    assertClose(y.toArray(), referenceBatchNorm(x.toArray(), shape, gamma: w.toArray(), beta: b.toArray(),
                                                                mean: stats.0, variance: stats.1, eps: 1e-5), name)
                    try checkGradients([x, w, b]) { t in
                        try batchNorm(inLayout(t[0], layout.tag), weight: t[1], bias: t[2],
                                      runningMean: Tensor(shape: [c], data: running.mean.toArray()),
                                      runningVar: Tensor(shape: [c], data: running.variance.toArray()), training: training)
                    }
                }
            }
        }
    }

    func testFrozenAffineParametersGetNoGradient() throws {
        for training in [true, false] {
            let x = randomTensor([2, 3, 2, 2], seed: 1, requiresGrad: true)
            let w = randomTensor([3], seed: 2), b = randomTensor([3], seed: 3)
            Engine.shared.resetExecutionCounts()
            try batchNorm(x, weight: w, bias: b, runningMean: Tensor.zeros([3]), runningVar: Tensor.ones([3]), training: training)
                .backward(gradient: randomTensor([2, 3, 2, 2], seed: 4))
            XCTAssertNil(w.grad)
            XCTAssertNil(b.grad)
            XCTAssertEqual(x.grad?.shape, [2, 3, 2, 2])
            XCTAssertEqual(Engine.shared.executionCounts["batch_norm.backward"], 1)
        }
    }

    func testFrozenInputStillGivesParameterGradients() throws {
        let x = randomTensor([2, 3, 2, 2], seed: 1)
        let w = randomTensor([3], seed: 2, requiresGrad: true), b = randomTensor([3], seed: 3, requiresGrad: true)
        try batchNorm(x, weight: w, bias: b, runningMean: Tensor.zeros([3]), runningVar: Tensor.ones([3]), training: true)
            .backward(gradient: Tensor.ones([2, 3, 2, 2]))
        // dL/dbeta sums the seed (8 per channel); dL/dgamma sums the normalised input (0 per channel).
        assertClose(b.grad?.toArray() ?? [], [8, 8, 8])
        assertClose(w.grad?.toArray() ?? [], [0, 0, 0], atol: 1e-4)
    }

    func testShapeMismatchNamesOpAndShapes() {
        let (rm, rv) = (Tensor.zeros([3]), Tensor.ones([3]))
        assertShapeError("batch_norm", [4], [2, 3, 4, 4]) {
            try batchNorm(randomTensor([2, 3, 4, 4], seed: 1), weight: randomTensor([4], seed: 2), bias: nil,
                          runningMean: rm, runningVar: rv, training: true)
        }
        assertShapeError("batch_norm", [5], [2, 3, 4, 4]) {
            try batchNorm(randomTensor([2, 3, 4, 4], seed: 1), weight: nil, bias: nil,
                          runningMean: rm, runningVar: Tensor.ones([5]), training: false)
        }
        assertShapeError("batch_norm", [2, 3, 4], [3]) {
            try batchNorm(randomTensor([2, 3, 4], seed: 1), weight: nil, bias: nil, runningMean: rm, runningVar: rv, training: true)
        }
    }

    func testTrainingWithOneValuePerChannelThrows() {
        XCTAssertThrowsError(try batchNorm(randomTensor([1, 3], seed: 1), weight: nil, bias: nil,
                                           runningMean: Tensor.zeros([3]), runningVar: Tensor.ones([3]), training: true)) { error in
            guard case .invalidArgument? = error as? GraftError else { return XCTFail("\(error)") }
        }
        XCTAssertNoThrow(try batchNorm(randomTensor([1, 3], seed: 1), weight: nil, bias: nil,
                                       runningMean: Tensor.zeros([3]), runningVar: Tensor.ones([3]), training: false))
    }
}
