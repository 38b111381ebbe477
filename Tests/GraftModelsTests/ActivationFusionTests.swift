import GraftCore
import GraftNN
import XCTest

final class ActivationFusionTests: XCTestCase {
    private let x = passTestInput([2, 3, 8, 8])

    /// Each activation a convolution can apply goes into the convolution before it, plain or
    /// with its batch norm folded, which then writes the activation's output; the result
    /// equals the unfused graph's.
    func testActivationsAfterConvolutionsFuse() throws {
        let model = try ConvActivations()
        let graph = foldBatchNorms(try traceGraph(model, input: x))
        XCTAssertEqual(graph.nodes.map(\.op.name),
                       ["conv2d", "relu6", "conv2d_batch_norm", "hardswish", "conv2d", "silu", "conv2d", "sigmoid"])
        let fused = fuseActivations(graph)
        XCTAssertEqual(fused.nodes.map(\.op.name), ["conv2d", "conv2d_batch_norm", "conv2d", "conv2d"])
        XCTAssertEqual(fused.nodes.map { $0.op.attributes.last }, ["post=relu6", "post=hardswish", "post=silu", "post=sigmoid"])
        XCTAssertEqual(fused.nodes.map(\.output), [1, 3, 5, 7].map { graph.nodes[$0].output })
        XCTAssertEqual(fused.nodes[1].inputs.first, .value(graph.nodes[1].output))
        XCTAssertEqual(fused.nodes.map(\.scope), ["", "", "", ""], "the module holding each pair")
        assertClose(try interpretedOutput(fused, model, x), try interpretedOutput(graph, model, x))
    }

    /// The ReLU after a folded conv–BN fuses; the residual add after it stays.
    func testReLUAfterFoldedBatchNormFuses() throws {
        let model = try SmallResidual()
        let graph = foldBatchNorms(try traceGraph(model, input: x))
        let fused = fuseActivations(graph)
        XCTAssertEqual(fused.nodes.map(\.op.name), ["conv2d_batch_norm", "add", "adaptive_avg_pool2d", "reshape", "linear"])
        XCTAssertEqual(fused.nodes[0].op.attributes.last, "post=relu")
        assertClose(try interpretedOutput(fused, model, x), try interpretedOutput(graph, model, x))
    }

    /// A ReLU whose input something else also reads, one after a convolution that already
    /// applies an activation, and an activation no post-op computes stay where they are.
    func testActivationsThatMustStayDoNotFuse() throws {
        let model = try SharedConvolution()
        let conv = model.conv
        let recorder = GraphRecorder(parameters: model.stateDict(), inputs: [x])
        let graph = try GradMode.withoutGradients {
            try recorder.record {
                let shared = try conv2d(x, weight: conv.weight, bias: conv.bias, conv.config)
                let activated = try relu6(conv2dReLU(x, weight: conv.weight, bias: conv.bias, conv.config))
                let untouched = try gelu(conv2d(x, weight: conv.weight, bias: conv.bias, conv.config))
                return try relu(shared) + shared + activated + untouched
            }
        }
        let names = ["conv2d", "conv2d", "relu6", "conv2d", "gelu", "relu", "add", "add", "add"]
        XCTAssertEqual(graph.nodes.map(\.op.name), names)
        let fused = fuseActivations(graph)
        XCTAssertEqual(fused.nodes.map(\.op.name), names)
        XCTAssertEqual(fused.nodes.map(\.op.attributes), graph.nodes.map(\.op.attributes))
    }
}

/// conv → relu6, conv → bn → hardswish, conv → silu, conv → sigmoid.
final class ConvActivations: Module {
    let conv1: Conv2d, conv2: Conv2d, conv3: Conv2d, conv4: Conv2d
    let bn2 = BatchNorm2d(4)

    init(inChannels: Int = 3) throws {
        conv1 = try Conv2d(inChannels: inChannels, outChannels: 4, kernelSize: 3, padding: 1)
        conv2 = try Conv2d(inChannels: 4, outChannels: 4, kernelSize: 1, bias: false)
        conv3 = try Conv2d(inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, groups: 4)
        conv4 = try Conv2d(inChannels: 4, outChannels: 2, kernelSize: 1)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let a = try relu6(conv1(x)), b = try hardswish(bn2(conv2(a)))
        return try sigmoid(conv4(silu(conv3(b))))
    }
}
