import GraftCore
import XCTest

final class GraphOpCoverageTests: XCTestCase {
    /// The ops no zoo model runs in inference, recorded by hand on one input and interpreted on
    /// another, give what they give eagerly, bit for bit.
    func testOpsOutsideTheZooInterpretAsTheyRun() throws {
        func image(_ seed: Int) -> Tensor { Tensor(shape: [2, 4, 6, 6], data: (0..<288).map { Float(($0 * 31 + seed) % 23) / 5 - 2 }) }
        func forward(_ x: Tensor) throws -> Tensor {
            let pooled = try avgPool2d(leakyReLU(x, negativeSlope: 0.2), Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1),
                                                                                  ceilMode: true, countIncludePad: false))
            let h = try mul(tanh(pooled), scale(gelu(pooled), by: 0.5))
            let flat = try h.flattened()
            return try concat([softmax(flat, axis: 1), logSoftmax(flat, axis: 1)], axis: 1)
        }
        let traced = image(0)
        let graph = try GraphRecorder(parameters: [], inputs: [traced]).record { try forward(traced) }
        XCTAssertEqual(graph.nodes.map(\.op.name), ["leaky_relu", "avg_pool2d", "tanh", "gelu", "scale", "mul", "reshape",
                                                    "softmax", "log_softmax", "concat"])
        XCTAssertTrue(graph.constants.isEmpty)
        let interpreted = try interpret(graph, inputs: [image(11)], parameters: [:])[0].toArray()
        XCTAssertEqual(interpreted.map(\.bitPattern), try forward(image(11)).toArray().map(\.bitPattern))
    }

    /// A tensor the forward makes itself is a constant of the graph, copied: writing the
    /// original afterwards does not change what the graph computes.
    func testATensorMadeInTheForwardIsACopiedConstant() throws {
        let shift = Tensor(shape: [1, 2], data: [0.5, -1])
        let x = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])
        let graph = try GraphRecorder(parameters: [], inputs: [x]).record { try add(x, shift) }
        XCTAssertEqual(graph.nodes.first?.inputs, [.value(0), .constant(0)])
        shift.assign(Tensor(shape: [1, 2], data: [100, 100]))
        XCTAssertEqual(try interpret(graph, inputs: [x], parameters: [:])[0].toArray(), [1.5, 1, 3.5, 3, 5.5, 5])
    }
}
