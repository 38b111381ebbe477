import XCTest
@testable import GraftCore

final class AutogradTests: XCTestCase {
    func testGradientsAccumulateOverBackwardCalls() throws {
        let x = randomTensor([2, 3], seed: 1, requiresGrad: true)
        try sum(x).backward()
        try sum(x).backward()
        XCTAssertEqual(x.grad?.toArray(), [Float](repeating: 2, count: 6))
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testATensorUsedTwiceGetsBothContributions() throws {
        let x = randomTensor([4], seed: 2, requiresGrad: true)
        try sum(mul(x, x)).backward()
        assertClose(x.grad!.toArray(), x.toArray().map { 2 * Double($0) })
    }

    func testNothingIsRecordedWithoutAnInputThatNeedsAGradient() throws {
        let x = randomTensor([1, 2, 5, 5], seed: 3)
        let w = randomTensor([2, 2, 3, 3], seed: 4)
        let y = try relu(conv2d(x, weight: w))
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.isLeaf)
        XCTAssertThrowsError(try sum(y).backward())
    }

    func testInferenceModeRecordsNothingEvenForParameters() throws {
        let w = randomTensor([2, 2, 3, 3], seed: 4, requiresGrad: true)
        let y = try GradMode.withoutGradients { try conv2d(randomTensor([1, 2, 5, 5], seed: 3), weight: w) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testBackwardFreesTheGraph() throws {
        let x = randomTensor([3], seed: 5, requiresGrad: true)
        let loss = try sum(relu(x))
        try loss.backward()
        XCTAssertTrue(loss.isLeaf, "the graph is released after backward")
        XCTAssertThrowsError(try loss.backward())
    }

    func testNonScalarBackwardNeedsASeedOfTheSameShape() throws {
        let x = randomTensor([2, 2], seed: 6, requiresGrad: true)
        let y = try relu(x)
        XCTAssertThrowsError(try y.backward())
        assertShapeError("backward", [3], [2, 2]) {
            try y.backward(gradient: Tensor.ones([3]))
            return y
        }
    }

    func testReleasedOutputsFreeTheirGraph() throws {
        let x = randomTensor([1, 4, 6, 6], seed: 7, requiresGrad: true)
        weak var weakOutput: Tensor?
        do {
            let y = try relu(conv2d(x, weight: randomTensor([4, 4, 3, 3], seed: 8)))
            weakOutput = y
            XCTAssertNotNil(weakOutput)
        }
        XCTAssertNil(weakOutput, "an output kept alive by its own graph would leak every step")
    }

    func testPrimitiveCacheHitsOnRepeatedShapes() throws {
        let x = randomTensor([2, 3, 9, 9], seed: 9)
        let w = randomTensor([5, 3, 3, 3], seed: 10)
        _ = try conv2d(x, weight: w)
        let before = Engine.shared.cachedPrimitiveCount
        for _ in 0..<3 { _ = try conv2d(x, weight: w) }
        XCTAssertEqual(Engine.shared.cachedPrimitiveCount, before)
    }

    func testRowMajorRoundTrip() throws {
        let values = (0..<24).map(Float.init)
        let t = Tensor(shape: [1, 2, 3, 4], data: values)
        XCTAssertTrue(t.isRowMajor)
        XCTAssertEqual(t.toArray(), values)
        XCTAssertEqual(try t.reshaped([6, -1]).shape, [6, 4])
        assertShapeError("reshape", [1, 2, 3, 4], [5, 5]) { try t.reshaped([5, 5]) }
    }
}

final class ReshapeGradientTests: XCTestCase {
    func testReshapeAndFlattenBackwardMatchFiniteDifferences() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 11, requiresGrad: true)
        try checkGradients([x]) { try $0[0].reshaped([6, -1]) }
        try checkGradients([x]) { try $0[0].flattened() }
        // From a blocked layout: flatten must read row-major values.
        try checkGradients([x]) { try blocked($0[0]).flattened() }
    }

    func testFlattenOfABlockedTensorKeepsRowMajorOrder() throws {
        let x = randomTensor([2, 20, 3, 3], seed: 12)
        XCTAssertEqual(try blocked(x).flattened().toArray(), x.toArray())
    }
}
