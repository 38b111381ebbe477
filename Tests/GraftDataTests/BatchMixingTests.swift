import XCTest
import GraftCore
@testable import GraftData

final class BatchMixingTests: XCTestCase {
    /// A batch of `b` distinct 3×`h`×`w` images with labels 10, 11, …
    private func batch(_ b: Int = 4, h: Int = 7, w: Int = 9) -> Batch {
        let values = (0..<(b * 3 * h * w)).map { Float($0 % 97) * 0.5 - 3 }
        return Batch(images: Tensor(shape: [b, 3, h, w], data: values), labels: Tensor(labels: (0..<b).map { 10 + $0 }),
                     indices: Array(100..<(100 + b)))
    }

    func testBetaSamplesHaveTheRightMoments() {
        var g = RandomGenerator(seed: 1)
        for alpha in [0.2, 1.0, 2.5] {
            let n = 40_000
            let draws = (0..<n).map { _ in g.beta(alpha, alpha) }
            XCTAssertTrue(draws.allSatisfy { (0...1).contains($0) })
            let mean = draws.reduce(0, +) / Double(n)
            let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
            XCTAssertEqual(mean, 0.5, accuracy: 0.01, "alpha \(alpha)")
            XCTAssertEqual(variance, 1 / (4 * (2 * alpha + 1)), accuracy: 0.006, "alpha \(alpha)")
        }
    }

    func testMixUpMixesWithTheRolledBatch() throws {
        let input = batch()
        let x = input.images.toArray()
        var g = RandomGenerator(seed: 4)
        let mixed = try MixUp(alpha: 0.4).apply(input, using: &g)
        let λ = mixed.lambda
        XCTAssertTrue((0...1).contains(λ))
        XCTAssertEqual(mixed.labelsA.labels, [10, 11, 12, 13])
        XCTAssertEqual(mixed.labelsB.labels, [13, 10, 11, 12])
        XCTAssertEqual(mixed.indices, input.indices)
        XCTAssertEqual(mixed.images.shape, input.images.shape)
        XCTAssertEqual(input.images.toArray(), x, "the input batch is left alone")
        let size = 3 * 7 * 9, y = mixed.images.toArray()
        for i in 0..<4 {
            let j = (i + 3) % 4
            for k in 0..<size {
                let expected = Double(λ) * Double(x[i * size + k]) + Double(1 - λ) * Double(x[j * size + k])
                XCTAssertEqual(Double(y[i * size + k]), expected, accuracy: 1e-5)
            }
        }
    }

    func testMixUpLambdaRangeAndDeterminism() throws {
        let mixUp = try MixUp(alpha: 0.2)
        var lambdas: [Float] = []
        for seed in 0..<200 as Range<UInt64> {
            var g1 = RandomGenerator(seed: seed), g2 = RandomGenerator(seed: seed)
            let a = try mixUp.apply(batch(), using: &g1), b = try mixUp.apply(batch(), using: &g2)
            XCTAssertEqual(a.lambda, b.lambda)
            XCTAssertEqual(a.images.toArray(), b.images.toArray())
            XCTAssertTrue((0...1).contains(a.lambda))
            lambdas.append(a.lambda)
        }
        XCTAssertGreaterThan(Set(lambdas).count, 190, "different seeds draw different λ")
        // α = 0.2 puts most of the mass near 0 and 1.
        XCTAssertGreaterThan(lambdas.filter { $0 < 0.1 || $0 > 0.9 }.count, 100)
    }

    func testCutMixBoxAndLambda() throws {
        let cutMix = try CutMix(alpha: 1.0)
        var sawClipped = false
        for seed in 0..<300 as Range<UInt64> {
            var g = RandomGenerator(seed: seed)
            let box = cutMix.box(height: 7, width: 9, using: &g)
            XCTAssertTrue(0 <= box.y0 && box.y0 <= box.y1 && box.y1 <= 7, "\(box)")
            XCTAssertTrue(0 <= box.x0 && box.x0 <= box.x1 && box.x1 <= 9, "\(box)")
            XCTAssertEqual(box.lambda, Float(1 - Double((box.y1 - box.y0) * (box.x1 - box.x0)) / 63), accuracy: 1e-6)
            if box.x0 == 0 || box.x1 == 9 || box.y0 == 0 || box.y1 == 7 { sawClipped = true }
        }
        XCTAssertTrue(sawClipped)
    }

    func testCutMixPastesTheBoxFromTheRolledBatch() throws {
        let input = batch(3, h: 12, w: 10)
        let x = input.images.toArray()
        let cutMix = try CutMix(alpha: 1.0)
        var sawBox = false
        for seed in 0..<20 as Range<UInt64> {
            var g1 = RandomGenerator(seed: seed), g2 = RandomGenerator(seed: seed)
            let box = cutMix.box(height: 12, width: 10, using: &g1)
            let mixed = try cutMix.apply(input, using: &g2)
            XCTAssertEqual(mixed.lambda, box.lambda)
            XCTAssertEqual(mixed.labelsB.labels, [12, 10, 11])
            if box.y1 > box.y0 && box.x1 > box.x0 { sawBox = true }
            let y = mixed.images.toArray()
            var pasted = 0
            for i in 0..<3 { for c in 0..<3 { for r in 0..<12 { for col in 0..<10 {
                let at = ((i * 3 + c) * 12 + r) * 10 + col
                let inside = (box.y0..<box.y1).contains(r) && (box.x0..<box.x1).contains(col)
                let from = inside ? ((((i + 2) % 3) * 3 + c) * 12 + r) * 10 + col : at
                XCTAssertEqual(y[at], x[from])
                if inside { pasted += 1 }
            } } } }
            XCTAssertEqual(Float(1) - Float(pasted) / Float(3 * 3 * 12 * 10), mixed.lambda, accuracy: 1e-6)
        }
        XCTAssertTrue(sawBox)
    }

    func testBadArgumentsThrow() throws {
        XCTAssertThrowsError(try MixUp(alpha: 0))
        XCTAssertThrowsError(try CutMix(alpha: -1))
        let bad = Batch(images: Tensor.zeros([2, 3, 4]), labels: Tensor(labels: [0, 1]), indices: [0, 1])
        var g = RandomGenerator(seed: 0)
        XCTAssertThrowsError(try MixUp().apply(bad, using: &g))
        let wrongLabels = Batch(images: Tensor.zeros([2, 1, 4, 4]), labels: Tensor(labels: [0]), indices: [0, 1])
        XCTAssertThrowsError(try CutMix().apply(wrongLabels, using: &g))
    }
}
