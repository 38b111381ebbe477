import XCTest
@testable import GraftCore

final class LayoutPropagationTests: XCTestCase {
    /// Activations stay in the layout oneDNN picks from one op to the next: a conv → bn →
    /// relu → pool → conv chain reorders only the input image and the weights on the way in.
    func testConsecutiveOpsDoNotReorderActivations() throws {
        let x = randomTensor([8, 32, 28, 28], seed: 1)
        let w1 = randomTensor([64, 32, 3, 3], seed: 2), w2 = randomTensor([64, 64, 3, 3], seed: 3)
        let mean = Tensor.zeros([64]), variance = Tensor.ones([64])
        let pad = Conv2dConfig(padding: .symmetric(1))
        func chain() throws -> Tensor {
            var h = try conv2d(x, weight: w1, pad)
            h = try batchNorm(h, weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: false)
            h = try relu(h)
            h = try maxPool2d(h, Pool2dConfig(kernel: (2, 2)))
            return try conv2d(h, weight: w2, pad)
        }
        _ = try GradMode.withoutGradients(chain)  // create the primitives
        Engine.shared.resetExecutionCounts()
        let y = try GradMode.withoutGradients(chain)
        let counts = Engine.shared.executionCounts
        print("layout of the output is row-major: \(y.isRowMajor); executions: \(counts)")
        XCTAssertLessThanOrEqual(counts["reorder", default: 0], 3, "input + two weights at most: \(counts)")
    }
}
