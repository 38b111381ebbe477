import CDNNL
import XCTest
@testable import GraftCore

final class StochasticDepthTests: XCTestCase {
    /// The per-sample factors torchvision's semantics give for `generator`: 0 with probability
    /// p, else 1/(1−p), one draw per sample.
    func referenceFactors(_ count: Int, p: Float, seed: UInt64) -> [Double] {
        var g = RandomGenerator(seed: seed)
        return (0..<count).map { _ in g.nextFloat() < p ? 0 : Double(1 / (1 - p)) }
    }

    /// `x`'s values with sample `s` multiplied by `factors[s]`.
    func scaledRows(_ x: Tensor, _ factors: [Double]) -> [Double] {
        let per = x.count / x.shape[0]
        return x.toArray().enumerated().map { Double($0.element) * factors[$0.offset / per] }
    }

    func testRowModeDropsWholeSamples() throws {
        let x = randomTensor([64, 3, 2, 2], seed: 1)
        var g = RandomGenerator(seed: 2)
        let y = try stochasticDepth(x, p: 0.3, mode: .row, training: true, generator: &g)
        let factors = referenceFactors(64, p: 0.3, seed: 2)
        assertClose(y.toArray(), scaledRows(x, factors))
        XCTAssertTrue(factors.contains(0) && factors.contains { $0 > 1 }, "some samples dropped, some kept")
        var expected = RandomGenerator(seed: 2)
        for _ in 0..<64 { _ = expected.next() }
        XCTAssertEqual(g, expected, "the generator advances once per sample")
    }

    func testBatchModeDrawsOnce() throws {
        let x = randomTensor([4, 3, 2, 2], seed: 3)
        var g = RandomGenerator(seed: 4)
        let y = try stochasticDepth(x, p: 0.5, mode: .batch, training: true, generator: &g)
        let factor = referenceFactors(1, p: 0.5, seed: 4)[0]
        assertClose(y.toArray(), scaledRows(x, [Double](repeating: factor, count: 4)))
    }

    func testBlockedInputAndBackward() throws {
        let (conv, ref) = try convOutput([6, 3, 4, 4], channels: 20, seed: 5)
        var g = RandomGenerator(seed: 6)
        let y = try stochasticDepth(conv, p: 0.5, training: true, generator: &g)
        let factors = referenceFactors(6, p: 0.5, seed: 6)
        assertClose(y.toArray(), ref.enumerated().map { $0.element * factors[$0.offset / (20 * 16)] })
        let x = randomTensor([6, 20, 2, 2], seed: 7, requiresGrad: true)
        try checkGradients([x]) { t in
            var g = RandomGenerator(seed: 8)
            return try stochasticDepth(blocked(t[0]), p: 0.4, training: true, generator: &g)
        }
        let probe = randomValues(x.count, seed: 9)
        x.zeroGrad()
        var g2 = RandomGenerator(seed: 10)
        try stochasticDepth(x, p: 0.4, training: true, generator: &g2).backward(gradient: Tensor(shape: x.shape, data: probe))
        let per = x.count / 6, f = referenceFactors(6, p: 0.4, seed: 10)
        assertClose(x.grad!.toArray(), probe.enumerated().map { Double($0.element) * f[$0.offset / per] })
    }

    func testIdentityWhenNotTrainingOrPIsZeroAndZeroWhenPIsOne() throws {
        let x = randomTensor([3, 4], seed: 11, requiresGrad: true)
        var g = RandomGenerator(seed: 12)
        XCTAssertTrue(try stochasticDepth(x, p: 0.5, training: false, generator: &g) === x)
        XCTAssertTrue(try stochasticDepth(x, p: 0, training: true, generator: &g) === x)
        XCTAssertEqual(g, RandomGenerator(seed: 12), "no randomness is drawn")
        XCTAssertEqual(try stochasticDepth(x, p: 1, training: true, generator: &g).toArray(), [Float](repeating: 0, count: 12))
    }

    func testRejectsProbabilitiesOutsideZeroToOne() {
        let x = randomTensor([3, 4], seed: 13)
        var g = RandomGenerator(seed: 14)
        for p: Float in [-0.1, 1.01, .nan] {
            XCTAssertThrowsError(try stochasticDepth(x, p: p, training: true, generator: &g), "p \(p)") { error in
                guard case GraftError.invalidArgument(op: "stochastic_depth", _) = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try stochasticDepth(Tensor(labels: [1, 2]), p: 0.5, training: true, generator: &g))
    }
}
