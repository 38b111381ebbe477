import XCTest
@testable import GraftCore

final class FLOPCounterTests: XCTestCase {
    func testOpsReportTheirForwardFLOPs() throws {
        let x = randomTensor([2, 3, 8, 8], seed: 1), w = randomTensor([4, 3, 3, 3], seed: 2), b = randomTensor([4], seed: 3)
        let conv = try FLOPCounter.counting { try conv2d(x, weight: w, bias: b, Conv2dConfig(padding: .symmetric(1))) }
        XCTAssertEqual(conv.flops, 2 * 4 * 8 * 8 * (2 * 27 + 1))
        let fc = try FLOPCounter.counting { try linear(randomTensor([5, 7], seed: 4), weight: randomTensor([3, 7], seed: 5)) }
        XCTAssertEqual(fc.flops, 5 * 3 * 2 * 7)
        XCTAssertEqual(try FLOPCounter.counting { try relu(x) }.flops, x.count)
        XCTAssertEqual(try FLOPCounter.counting { try hardsigmoid(x) }.flops, 2 * x.count, "two eltwise passes")
        XCTAssertEqual(try FLOPCounter.counting { try mul(x, randomTensor([2, 3, 1, 1], seed: 6)) }.flops, x.count)
        XCTAssertEqual(try FLOPCounter.counting { try layerNorm2d(x, weight: nil, bias: nil) }.flops, 8 * x.count)
        XCTAssertEqual(try FLOPCounter.counting { try adaptiveAvgPool2d(x, outputSize: (1, 1)) }.flops, x.count)
        XCTAssertEqual(try FLOPCounter.counting { try adaptiveAvgPool2d(x, outputSize: (3, 3)) }.flops, x.count)
        XCTAssertEqual(try FLOPCounter.counting { try chunk(x, 3) }.flops, 0, "copies count nothing")
    }

    func testCountsNestAndStopOutsideCounting() throws {
        let x = randomTensor([4, 5], seed: 7)
        let outer = try FLOPCounter.counting { () -> Int in
            _ = try relu(x)
            let inner = try FLOPCounter.counting { try sigmoid(x) }
            XCTAssertEqual(inner.flops, 20)
            return inner.flops
        }
        XCTAssertEqual(outer.result, 20)
        XCTAssertEqual(outer.flops, 40, "the outer count includes the inner one")
        XCTAssertFalse(FLOPCounter.isCounting)
        _ = try relu(x)
        XCTAssertEqual(try FLOPCounter.counting { 0 }.flops, 0)
    }
}
