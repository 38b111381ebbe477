import CDNNL
import XCTest
@testable import GraftCore

final class DropoutTests: XCTestCase {
    /// The mask torch semantics give for `generator`: 0 with probability p, else 1/(1−p).
    func referenceMask(_ count: Int, p: Float, seed: UInt64) -> [Double] {
        var g = RandomGenerator(seed: seed)
        return (0..<count).map { _ in g.nextFloat() < p ? 0 : Double(1 / (1 - p)) }
    }

    func testTrainingZeroesAndScalesWithTheGeneratorsMask() throws {
        for (shape, p) in [([2, 3, 5, 7], Float(0.5)), ([4, 9], 0.1), ([1, 20, 3, 3], 0.9)] {
            let x = randomTensor(shape, seed: 1)
            var g = RandomGenerator(seed: 7)
            let y = try dropout(x, p: p, training: true, generator: &g)
            let mask = referenceMask(x.count, p: p, seed: 7)
            assertClose(y.toArray(), zip(x.toArray(), mask).map { Double($0) * $1 }, "p \(p)")
            var expected = RandomGenerator(seed: 7)
            for _ in 0..<x.count { _ = expected.next() }
            XCTAssertEqual(g, expected, "the generator advances once per element")
            let dropped = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
            XCTAssertEqual(dropped, Double(p), accuracy: 0.15)
        }
    }

    func testBlockedInput() throws {
        let (conv, ref) = try convOutput([2, 3, 4, 4], channels: 20, seed: 2)
        var g = RandomGenerator(seed: 3)
        let y = try dropout(conv, p: 0.3, training: true, generator: &g)
        assertClose(y.toArray(), zip(ref, referenceMask(conv.count, p: 0.3, seed: 3)).map { $0 * $1 })
    }

    func testBackwardUsesTheSameMask() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 4, requiresGrad: true)
        var g = RandomGenerator(seed: 5)
        let y = try dropout(x, p: 0.4, training: true, generator: &g)
        let probe = randomValues(x.count, seed: 6)
        try y.backward(gradient: Tensor(shape: x.shape, data: probe))
        assertClose(x.grad!.toArray(), zip(probe, referenceMask(x.count, p: 0.4, seed: 5)).map { Double($0) * $1 })
        // Finite differences with a fixed mask: each evaluation redraws from the same seed.
        try checkGradients([randomTensor([3, 7], seed: 8, requiresGrad: true)]) { t in
            var g = RandomGenerator(seed: 9)
            return try dropout(blocked(try t[0].reshaped([3, 7, 1, 1]), dnnl_nChw8c), p: 0.25, training: true, generator: &g)
        }
    }

    func testIdentityWhenNotTrainingOrPIsZero() throws {
        let x = randomTensor([3, 4], seed: 10, requiresGrad: true)
        var g = RandomGenerator(seed: 11)
        XCTAssertTrue(try dropout(x, p: 0.5, training: false, generator: &g) === x)
        XCTAssertTrue(try dropout(x, p: 0, training: true, generator: &g) === x)
        XCTAssertEqual(g, RandomGenerator(seed: 11), "no randomness is drawn")
    }

    func testRejectsProbabilitiesOutsideZeroToOne() {
        let x = randomTensor([3, 4], seed: 12)
        var g = RandomGenerator(seed: 13)
        for p: Float in [-0.1, 1, 1.5, .nan] {
            XCTAssertThrowsError(try dropout(x, p: p, training: true, generator: &g), "p \(p)") { error in
                guard case GraftError.invalidArgument(op: "dropout", _) = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try dropout(Tensor(labels: [1, 2]), p: 0.5, training: true, generator: &g))
    }
}
