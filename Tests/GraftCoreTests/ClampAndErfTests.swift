import Foundation
import XCTest
@testable import GraftCore

final class ClampAndErfTests: XCTestCase {
    func testClampMatchesMinMaxWithInfiniteAndCrossedBounds() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 1)
        for (low, high) in [(Float(-0.3), Float(0.5)), (-.infinity, 0.2), (0, .infinity), (0.4, -0.2)] {
            let expected = x.toArray().map { Double(min(max($0, low), high)) }
            assertClose(try clamp(x, min: low, max: high).toArray(), expected, rtol: 0, atol: 0, "clamp \(low) \(high)")
        }
        XCTAssertThrowsError(try clamp(x, min: .nan, max: 1))
    }

    func testClampGradientIsOneInsideTheBounds() throws {
        let x = randomTensor([3, 7], seed: 2, requiresGrad: true)
        try checkGradients([x]) { try clamp($0[0], min: -0.5, max: 0.25) }
    }

    func testGeneralHardsigmoid() throws {
        let x = randomTensor([2, 6], seed: 3, requiresGrad: true)
        let expected = x.toArray().map { Double(max(0, min(1, 0.2 * $0 * 4 + 0.5))) }
        let scaled = try scale(x, by: 4)
        assertClose(try hardsigmoid(scaled, alpha: 0.2, beta: 0.5).toArray(), expected, "hardsigmoid")
        try checkGradients([x]) { try hardsigmoid(scale($0[0], by: 2), alpha: 0.2, beta: 0.5) }
    }

    func testErfAndItsGradient() throws {
        let x = randomTensor([4, 9], seed: 4, requiresGrad: true)
        assertClose(try erf(scale(x, by: 2)).toArray(), x.toArray().map { Foundation.erf(2 * Double($0)) }, "erf")
        try checkGradients([x]) { try erf($0[0]) }
    }

    func testTheyRecordAndInterpret() throws {
        let x = randomTensor([2, 5], seed: 5)
        try assertRoundTrip("clamp", inputs: [x]) { try clamp(x, min: -0.1, max: 0.1) }
        try assertRoundTrip("erf", inputs: [x]) { try erf(x) }
        try assertRoundTrip("hardsigmoid", inputs: [x]) { try hardsigmoid(x, alpha: 0.3, beta: 0.4) }
    }
}
