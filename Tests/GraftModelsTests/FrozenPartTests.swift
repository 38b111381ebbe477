@testable import GraftCore
import GraftNN
import XCTest

final class FrozenPartTests: XCTestCase {
    /// A frozen convolution and its batch norm go to the frozen part, the trained one and all
    /// after it to the rest, which takes the frozen part's output as its input; the two run one
    /// after the other give the whole graph's result. With the first layer trained nothing is frozen.
    func testTheFrozenPartEndsWhereTrainingStarts() throws {
        let model = Sequential([try Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(),
                                try Conv2d(inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1), ReLU()])
        let x = passTestInput([2, 3, 8, 8])
        let graph = try traceGraph(model, input: x)
        let split = try XCTUnwrap(splitFrozenPart(graph, trainable: ["3.weight", "3.bias"]))
        XCTAssertEqual(split.frozen.nodes.map(\.op.name), ["conv2d", "batch_norm", "relu"])
        XCTAssertEqual(split.trained.nodes.map(\.op.name), ["conv2d", "relu"])
        XCTAssertEqual(split.frozen.outputs, [.value(split.frozen.nodes[2].output)])
        XCTAssertEqual(split.trained.inputs, [split.frozen.nodes[2].output])
        let parameters = graphParameters(of: model)
        let middle = try GradMode.withoutGradients { try interpret(split.frozen, inputs: [x], parameters: parameters) }
        assertClose(try GradMode.withoutGradients { try interpret(split.trained, inputs: middle, parameters: parameters)[0].toArray() },
                    try interpretedOutput(graph, model, x))
        XCTAssertNil(splitFrozenPart(graph, trainable: ["0.weight"]))
    }

    /// A batch norm on batch statistics trains even with its parameters frozen, and so does
    /// dropout that draws: neither, nor anything after them, is frozen.
    func testOpsThatTrainAreNeverFrozen() {
        XCTAssertTrue(GraphOp.batchNorm(affine: true, eps: 1e-5, relu: false, training: true, momentum: 0.1).trains)
        XCTAssertTrue(GraphOp.dropout(p: 0.2, training: true).trains)
        XCTAssertFalse(GraphOp.batchNorm(affine: true, eps: 1e-5, relu: false, training: false, momentum: 0.1).trains)
        XCTAssertFalse(GraphOp.dropout(p: 0.2, training: false).trains)
        let graph = Graph(values: [GraphValue(id: 0, shape: [2, 4], dtype: .float32), GraphValue(id: 1, shape: [2, 4], dtype: .float32),
                                   GraphValue(id: 2, shape: [2, 4], dtype: .float32)],
                          nodes: [GraphNode(op: .dropout(p: 0.5, training: true), inputs: [.value(0)], output: 1),
                                  GraphNode(op: .relu, inputs: [.value(1)], output: 2)],
                          inputs: [0], outputs: [.value(2)])
        XCTAssertNil(splitFrozenPart(graph, trainable: []))
    }
}
