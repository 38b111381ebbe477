import GraftCore
import GraftNN
import XCTest

final class InferenceIdentitiesTests: XCTestCase {
    private let x = passTestInput([2, 3, 8, 8])

    /// Dropout, stochastic depth and a reshape to the same shape go, the graph output among
    /// them; their readers read what they read; a reshape that changes the shape stays.
    func testInferenceNoOpsAreDropped() throws {
        let model = try InferenceNoOps()
        let graph = try traceGraph(model, input: x)
        XCTAssertEqual(graph.nodes.map(\.op.name), ["conv2d", "dropout", "stochastic_depth", "reshape", "reshape", "dropout"])
        let dropped = dropInferenceIdentities(graph)
        XCTAssertEqual(dropped.nodes.map(\.op.name), ["conv2d", "reshape"])
        XCTAssertEqual(dropped.nodes[1].inputs, [.value(graph.nodes[0].output)])
        XCTAssertEqual(dropped.outputs, [.value(graph.nodes[4].output)])
        XCTAssertEqual(dropped.values[graph.nodes[4].output].shape, [2, 192])
        assertClose(try interpretedOutput(dropped, model, x), try interpretedOutput(graph, model, x))
    }

    /// A graph of only no-ops returns its input.
    func testGraphOfNoOpsReturnsItsInput() throws {
        let graph = try traceGraph(Dropout(p: 0.3), input: x)
        let dropped = dropInferenceIdentities(graph)
        XCTAssertTrue(dropped.nodes.isEmpty)
        XCTAssertEqual(dropped.outputs, [.value(graph.inputs[0])])
        XCTAssertEqual(try interpretedOutput(dropped, Dropout(p: 0.3), x), x.toArray())
    }
}

/// conv(x) through dropout, stochastic depth and a reshape to its own shape, then flattened
/// and through dropout again.
final class InferenceNoOps: Module {
    let conv: Conv2d
    let dropout = Dropout(p: 0.5)
    let depth = StochasticDepth(p: 0.2)

    init(channels: Int = 3) throws {
        conv = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let y = try depth(dropout(conv(x)))
        return try dropout(y.reshaped(y.shape).flattened())
    }
}
