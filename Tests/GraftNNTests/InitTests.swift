import Foundation
import XCTest
import GraftCore
@testable import GraftNN

final class InitTests: XCTestCase {
    var g = RandomGenerator(seed: 1234)

    func testFans() throws {
        XCTAssertTrue(try Init.fans([8, 4, 3, 5]) == (60, 120))
        XCTAssertTrue(try Init.fans([10, 20]) == (20, 10))
        XCTAssertThrowsError(try Init.fans([5]))
    }

    func testGains() {
        XCTAssertEqual(Init.Nonlinearity.relu.gain, 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Init.Nonlinearity.leakyRelu(0).gain, 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Init.Nonlinearity.leakyRelu(0.2).gain, (2 / 1.04).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Init.Nonlinearity.tanh.gain, 5.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(Init.Nonlinearity.linear.gain, 1)
        XCTAssertEqual(Init.Nonlinearity.sigmoid.gain, 1)
    }

    func testUniformBoundsAndMean() throws {
        let t = Tensor(uninitialized: [100_000])
        try Init.uniform(t, low: -2, high: 3, using: &g)
        let v = t.toArray()
        XCTAssertGreaterThanOrEqual(v.min()!, -2)
        XCTAssertLessThan(v.max()!, 3)
        XCTAssertLessThan(v.min()!, -1.99)
        XCTAssertGreaterThan(v.max()!, 2.99)
        let (mean, std) = moments(v)
        XCTAssertEqual(mean, 0.5, accuracy: 0.03)
        XCTAssertEqual(std, 5 / 12.0.squareRoot(), accuracy: 0.02 * 5 / 12.0.squareRoot())
        XCTAssertThrowsError(try Init.uniform(t, low: 1, high: 0, using: &g))
    }

    func testNormalStatistics() throws {
        let t = Tensor(uninitialized: [200, 500])
        try Init.normal(t, mean: 1, std: 2, using: &g)
        let (mean, std) = moments(t.toArray())
        XCTAssertEqual(mean, 1, accuracy: 0.03)
        XCTAssertEqual(std, 2, accuracy: 0.02 * 2)
        XCTAssertThrowsError(try Init.normal(t, std: -1, using: &g))
    }

    func testTruncatedNormal() throws {
        let t = Tensor(uninitialized: [100_000])
        try Init.truncatedNormal(t, a: -1, b: 2, using: &g)
        let v = t.toArray()
        XCTAssertGreaterThanOrEqual(v.min()!, -1)
        XCTAssertLessThanOrEqual(v.max()!, 2)
        // Mean of N(0, 1) truncated to [α, β]: (φ(α) − φ(β)) / (Φ(β) − Φ(α)).
        func pdf(_ x: Double) -> Double { exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
        func cdf(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.0.squareRoot())) }
        XCTAssertEqual(moments(v).mean, (pdf(-1) - pdf(2)) / (cdf(2) - cdf(-1)), accuracy: 0.01)
        XCTAssertThrowsError(try Init.truncatedNormal(t, a: 1, b: -1, using: &g))
        XCTAssertThrowsError(try Init.truncatedNormal(t, a: 10, b: 11, using: &g))
    }

    func testKaiming() throws {
        let w = Tensor(uninitialized: [256, 128, 3, 3])
        try Init.kaimingNormal(w, mode: .fanOut, nonlinearity: .relu, using: &g)
        let expectedStd = 2.0.squareRoot() / (256.0 * 9).squareRoot()
        let (mean, std) = moments(w.toArray())
        XCTAssertEqual(mean, 0, accuracy: 0.01 * expectedStd)
        XCTAssertEqual(std, expectedStd, accuracy: 0.02 * expectedStd)

        try Init.kaimingUniform(w, nonlinearity: .leakyRelu(5.0.squareRoot()), using: &g)
        let bound = 1 / (128.0 * 9).squareRoot()
        let v = w.toArray()
        XCTAssertLessThanOrEqual(v.map { abs(Double($0)) }.max()!, bound)
        XCTAssertEqual(moments(v).std, bound / 3.0.squareRoot(), accuracy: 0.02 * bound / 3.0.squareRoot())

        try Init.kaimingUniform(w, using: &g)
        let reluBound = 6.0.squareRoot() / (128.0 * 9).squareRoot()
        XCTAssertLessThanOrEqual(w.toArray().map { abs(Double($0)) }.max()!, reluBound)
        XCTAssertGreaterThan(w.toArray().map { abs(Double($0)) }.max()!, 0.99 * reluBound)
        XCTAssertThrowsError(try Init.kaimingUniform(Tensor.zeros([4]), using: &g))
    }

    func testXavier() throws {
        let w = Tensor(uninitialized: [300, 200])
        try Init.xavierUniform(w, gain: 2, using: &g)
        let bound = 2 * (6.0 / 500).squareRoot()
        let v = w.toArray()
        XCTAssertLessThanOrEqual(v.map { abs(Double($0)) }.max()!, bound)
        XCTAssertGreaterThan(v.map { abs(Double($0)) }.max()!, 0.99 * bound)

        try Init.xavierNormal(w, gain: 0.5, using: &g)
        let expectedStd = 0.5 * (2.0 / 500).squareRoot()
        XCTAssertEqual(moments(w.toArray()).std, expectedStd, accuracy: 0.02 * expectedStd)
    }

    func testConstants() throws {
        let t = Tensor(uninitialized: [3, 4])
        try Init.constant(t, 2.5)
        XCTAssertEqual(t.toArray(), [Float](repeating: 2.5, count: 12))
        try Init.zeros(t)
        XCTAssertEqual(t.toArray(), [Float](repeating: 0, count: 12))
        try Init.ones(t)
        XCTAssertEqual(t.toArray(), [Float](repeating: 1, count: 12))
        XCTAssertThrowsError(try Init.ones(Tensor(labels: [1, 2])))
    }

    func testSeedsReproduceAndGlobalGeneratorIsTheDefault() throws {
        let a = Tensor(uninitialized: [50]), b = Tensor(uninitialized: [50])
        GlobalRandom.seed(77)
        try Init.normal(a)
        var local = RandomGenerator(seed: 77)
        try Init.normal(b, using: &local)
        XCTAssertEqual(a.toArray(), b.toArray())
        XCTAssertEqual(GlobalRandom.generator, local, "the global generator advanced as the local one")
    }
}
