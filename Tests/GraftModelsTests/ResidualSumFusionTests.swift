import GraftCore
import GraftNN
import XCTest

final class ResidualSumFusionTests: XCTestCase {
    private let x = passTestInput([2, 3, 8, 8])

    /// relu(bn2(conv2(…)) + bnDown(down(x))): the add becomes the first conv–BN's sum post-op at
    /// the add's place (after the shortcut it reads), the ReLU after it its activation; the
    /// result equals the unfused graph's.
    func testResidualSumFusesWithTheReLUAfterIt() throws {
        let model = try ResidualBlock()
        let folded = foldBatchNorms(try traceGraph(model, input: x))
        XCTAssertEqual(folded.nodes.map(\.op.name),
                       ["conv2d_batch_norm", "relu", "conv2d_batch_norm", "conv2d_batch_norm", "add", "relu"])
        let summed = fuseResidualSums(folded)
        XCTAssertEqual(summed.nodes.map(\.op.name), ["conv2d_batch_norm", "relu", "conv2d_batch_norm", "conv2d_batch_norm", "relu"])
        let n = folded.nodes
        XCTAssertEqual(summed.nodes[3].inputs, n[2].inputs + [.value(n[3].output)])
        XCTAssertEqual(summed.nodes[3].output, n[4].output)
        XCTAssertEqual(summed.nodes[3].op.attributes.last, "post=sum")
        XCTAssertEqual(summed.nodes[3].scope, "")
        let fused = fuseActivations(summed)
        XCTAssertEqual(fused.nodes.map { $0.op.attributes.filter { $0.hasPrefix("post=") } },
                       [["post=relu"], [], ["post=sum", "post=relu"]])
        assertClose(try interpretedOutput(summed, model, x), try interpretedOutput(folded, model, x))
        assertClose(try interpretedOutput(fused, model, x), try interpretedOutput(folded, model, x))
    }

    /// An add after a convolution with an activation, of a convolution read twice, and one
    /// that broadcasts stay adds.
    func testSumsThatMustStayDoNotFuse() throws {
        let conv = try Conv2d(inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, bias: false)
        let recorder = GraphRecorder(parameters: conv.stateDict(), inputs: [x])
        let graph = try GradMode.withoutGradients {
            try recorder.record {
                let activated = try conv2dReLU(x, weight: conv.weight, bias: nil, conv.config) + x
                let shared = try conv2d(x, weight: conv.weight, bias: nil, conv.config)
                let broadcast = try conv2d(x, weight: conv.weight, bias: nil, conv.config) + adaptiveAvgPool2d(x, outputSize: (1, 1))
                return try activated + (shared + shared) + broadcast
            }
        }
        let names = ["conv2d", "add", "conv2d", "conv2d", "adaptive_avg_pool2d", "add", "add", "add", "add"]
        XCTAssertEqual(graph.nodes.map(\.op.name), names)
        let fused = fuseResidualSums(graph)
        XCTAssertEqual(fused.nodes.map(\.op.name), names)
        XCTAssertEqual(fused.nodes.map(\.op.attributes), graph.nodes.map(\.op.attributes))
    }
}

/// relu(bn2(conv2(relu(bn1(conv1(x))))) + bnDown(down(x))), the shortcut computed last.
final class ResidualBlock: Module {
    let conv1: Conv2d, conv2: Conv2d, down: Conv2d
    let bn1 = BatchNorm2d(4), bn2 = BatchNorm2d(4), bnDown = BatchNorm2d(4)

    init(inChannels: Int = 3) throws {
        conv1 = try Conv2d(inChannels: inChannels, outChannels: 4, kernelSize: 3, padding: 1, bias: false)
        conv2 = try Conv2d(inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, bias: false)
        down = try Conv2d(inChannels: inChannels, outChannels: 4, kernelSize: 1)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let y = try bn2(conv2(relu(bn1(conv1(x)))))
        return try relu(y + bnDown(down(x)))
    }
}
