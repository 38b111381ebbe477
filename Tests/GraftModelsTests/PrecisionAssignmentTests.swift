@testable import GraftCore
import XCTest

final class PrecisionAssignmentTests: XCTestCase {
    /// input → conv (1) → relu (2); depthwise conv (3) on 2; add(2, 3) (4); conv in two groups
    /// (5) on 4; add(4, 5) (6); add(4, 4) (7); adaptive pool (8) on 7; reshape (9); linear (10).
    private func graph() -> Graph {
        let shapes = Array(repeating: [1, 4, 8, 8], count: 8) + [[1, 4, 1, 1], [1, 4], [1, 2]]
        func conv(groups: Int) -> GraphOp {
            .conv2d(Conv2dConfig(padding: .symmetric(1), groups: groups), hasBias: false, sum: false, activation: nil)
        }
        let ops: [(GraphOp, [GraphOperand])] = [
            (conv(groups: 1), [.value(0), .parameter("w")]),
            (.relu, [.value(1)]),
            (conv(groups: 4), [.value(2), .parameter("d")]),
            (.add, [.value(2), .value(3)]),
            (conv(groups: 2), [.value(4), .parameter("g")]),
            (.add, [.value(4), .value(5)]),
            (.add, [.value(4), .value(4)]),
            (.adaptiveAvgPool2d(outputSize: (1, 1)), [.value(7)]),
            (.reshape([1, 4]), [.value(8)]),
            (.linear(hasBias: false), [.value(9), .parameter("fc")]),
        ]
        return Graph(values: shapes.enumerated().map { GraphValue(id: $0.offset, shape: $0.element, dtype: .float32) },
                     nodes: ops.enumerated().map { GraphNode(op: $0.element.0, inputs: $0.element.1, output: $0.offset + 1) },
                     inputs: [0], outputs: [.value(10)])
    }

    func testBFloat16FromTheFirstConvolutionToThePooling() {
        let p = assignPrecision(graph(), .bfloat16)
        XCTAssertEqual((0...10).map { p[$0] },
                       [.float32, .bfloat16, .bfloat16, .bfloat16, .bfloat16, .float32, .float32, .bfloat16, .bfloat16, .float32, .float32],
                       "input f32; conv, relu, depthwise conv and their add bf16; the two-group conv f32 so its add is f32; "
                           + "the bf16 add and pool bf16; reshape, linear f32")
    }

    func testFloat32EverywhereUnderFloat32() {
        XCTAssertTrue(assignPrecision(graph(), .float32).values.allSatisfy { $0 == .float32 })
    }
}
