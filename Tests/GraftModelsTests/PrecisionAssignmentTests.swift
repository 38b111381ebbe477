@testable import GraftCore
import XCTest

final class PrecisionAssignmentTests: XCTestCase {
    /// input → conv (1) → relu (2); depthwise conv (3) on 2; add(2, 3) (4); add(2, 2) (5);
    /// adaptive pool (6) on 5; reshape (7); linear (8).
    private func graph() -> Graph {
        let shapes = [[1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 1, 1], [1, 4], [1, 2]]
        let conv = Conv2dConfig(padding: .symmetric(1))
        let ops: [(GraphOp, [GraphOperand])] = [
            (.conv2d(conv, hasBias: false, sum: false, activation: nil), [.value(0), .parameter("w")]),
            (.relu, [.value(1)]),
            (.conv2d(Conv2dConfig(padding: .symmetric(1), groups: 4), hasBias: false, sum: false, activation: nil), [.value(2), .parameter("d")]),
            (.add, [.value(2), .value(3)]),
            (.add, [.value(2), .value(2)]),
            (.adaptiveAvgPool2d(outputSize: (1, 1)), [.value(5)]),
            (.reshape([1, 4]), [.value(6)]),
            (.linear(hasBias: false), [.value(7), .parameter("fc")]),
        ]
        return Graph(values: shapes.enumerated().map { GraphValue(id: $0.offset, shape: $0.element, dtype: .float32) },
                     nodes: ops.enumerated().map { GraphNode(op: $0.element.0, inputs: $0.element.1, output: $0.offset + 1) },
                     inputs: [0], outputs: [.value(8)])
    }

    func testBFloat16FromTheFirstConvolutionToThePooling() {
        let p = assignPrecision(graph(), .bfloat16)
        XCTAssertEqual((0...8).map { p[$0] }, [.float32, .bfloat16, .bfloat16, .float32, .float32, .bfloat16, .bfloat16, .float32, .float32],
                       "input f32; conv and relu bf16; depthwise f32 so the mixed add is f32; the bf16 add and pool bf16; reshape, linear f32")
    }

    func testFloat32EverywhereUnderFloat32() {
        XCTAssertTrue(assignPrecision(graph(), .float32).values.allSatisfy { $0 == .float32 })
    }
}
