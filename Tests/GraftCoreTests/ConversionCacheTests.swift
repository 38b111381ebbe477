import XCTest
@testable import GraftCore

/// A weight that gets no gradient keeps its reorder to the convolution's blocked layout, and
/// every write to it (assign, withUnsafeMutableFloats) makes the next forward reorder again.
final class ConversionCacheTests: XCTestCase {
    let xShape = [2, 16, 8, 8], wShape = [32, 16, 3, 3]
    let config = Conv2dConfig(padding: .symmetric(1))

    func reorders(_ body: () throws -> Void) rethrows -> Int {
        Engine.shared.resetExecutionCounts()
        try body()
        return Engine.shared.executionCounts["reorder"] ?? 0
    }

    func check(_ y: Tensor, _ x: Tensor, _ w: Tensor, _ b: Tensor, _ label: String) {
        let (ref, _) = referenceConv2d(x.toArray(), xShape, w.toArray(), wShape, b.toArray(), config)
        assertClose(y.toArray(), ref, label)
    }

    func testFrozenWeightIsReorderedOnceAndAgainAfterEachWrite() throws {
        let x = randomTensor(xShape, seed: 1), w = randomTensor(wShape, seed: 2), b = randomTensor([32], seed: 3)
        var y = x
        let first = try reorders { y = try conv2d(x, weight: w, bias: b, config) }
        check(y, x, w, b, "first")
        let second = try reorders { y = try conv2d(x, weight: w, bias: b, config) }
        check(y, x, w, b, "cached")
        XCTAssertEqual(second, first - 1, "the weight's reorder should be skipped")

        w.assign(randomTensor(wShape, seed: 4))
        let afterAssign = try reorders { y = try conv2d(x, weight: w, bias: b, config) }
        check(y, x, w, b, "after assign")
        XCTAssertEqual(afterAssign, first)

        w.withUnsafeMutableFloats { p in for i in p.indices { p[i] *= -2 } }
        let afterWrite = try reorders { y = try conv2d(x, weight: w, bias: b, config) }
        check(y, x, w, b, "after in-place write")
        XCTAssertEqual(afterWrite, first)
    }

    func testTrainedWeightIsReorderedEveryTimeAndGetsItsGradient() throws {
        let x = randomTensor(xShape, seed: 5), w = randomTensor(wShape, seed: 6, requiresGrad: true)
        let b = randomTensor([32], seed: 7)
        let first = try reorders { _ = try conv2d(x, weight: w, bias: b, config) }
        var y = x
        let second = try reorders { y = try conv2d(x, weight: w, bias: b, config) }
        XCTAssertEqual(second, first)
        try y.backward(gradient: Tensor.ones(y.shape))
        XCTAssertNotNil(w.grad)
        // Under inference the same weight is reordered once and then reused.
        try GradMode.withoutGradients {
            _ = try conv2d(x, weight: w, bias: b, config)
            let cached = try reorders { y = try conv2d(x, weight: w, bias: b, config) }
            XCTAssertEqual(cached, first - 1)
            check(y, x, w, b, "inference")
        }
    }
}
