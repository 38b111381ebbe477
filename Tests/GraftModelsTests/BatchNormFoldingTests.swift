import GraftCore
import GraftNN
import XCTest

final class BatchNormFoldingTests: XCTestCase {
    private let x = passTestInput([2, 3, 8, 8])

    /// Running statistics and affine parameters far from their initial values, so that a fold
    /// that dropped or misplaced any of them shows.
    private func perturb(_ bn: BatchNorm2d) {
        let c = bn.runningMean.count
        bn.runningMean.assign(Tensor(shape: [c], data: (0..<c).map { Float($0) * 0.3 - 0.4 }))
        bn.runningVar.assign(Tensor(shape: [c], data: (0..<c).map { 0.5 + Float($0) * 0.7 }))
        bn.weight?.assign(Tensor(shape: [c], data: (0..<c).map { 1.5 - Float($0) * 0.6 }))
        bn.bias?.assign(Tensor(shape: [c], data: (0..<c).map { Float($0) * 0.25 - 0.1 }))
    }

    private func outputs(_ graph: Graph, _ model: Module) throws -> [Float] { try interpretedOutput(graph, model, x) }

    /// conv → bn → relu: the conv and bn become one node reading all their parameters by name,
    /// the ReLU stays, and the result equals the unfolded graph's.
    func testBatchNormAfterConvolutionFolds() throws {
        let model = try SmallResidual()
        perturb(model.bn)
        let graph = try traceGraph(model, input: x)
        let folded = foldBatchNorms(graph)
        XCTAssertEqual(folded.nodes.map(\.op.name), ["conv2d_batch_norm", "relu", "add", "adaptive_avg_pool2d", "reshape", "linear"])
        XCTAssertEqual(folded.nodes[0].inputs, [.value(0), .parameter("conv.weight"), .parameter("bn.weight"), .parameter("bn.bias"),
                                                .parameter("bn.running_mean"), .parameter("bn.running_var")])
        XCTAssertEqual(folded.nodes[0].output, graph.nodes[1].output)
        XCTAssertEqual(folded.nodes[0].scope, "", "the module holding conv and bn")
        assertClose(try outputs(folded, model), try outputs(graph, model))
    }

    /// A parameter written after folding is what the next run of the folded graph reads.
    func testFoldedGraphSeesParametersWrittenLater() throws {
        let model = try SmallResidual()
        let graph = try traceGraph(model, input: x)
        let folded = foldBatchNorms(graph)
        let before = try outputs(folded, model)
        perturb(model.bn)
        let after = try outputs(folded, model)
        XCTAssertNotEqual(after, before)
        assertClose(after, try outputs(graph, model))
    }

    /// A convolution whose output something besides the batch norm reads keeps both nodes.
    func testConvolutionReadElsewhereDoesNotFold() throws {
        let model = try SharedConvolution()
        let graph = try traceGraph(model, input: x)
        XCTAssertEqual(graph.nodes.map(\.op.name), ["conv2d", "batch_norm", "add"])
        XCTAssertEqual(foldBatchNorms(graph).nodes.map(\.op.name), ["conv2d", "batch_norm", "add"])
    }

    /// A batch norm after a convolution that already applies a ReLU does not fold (the ReLU
    /// comes between them).
    func testConvolutionWithPostOpDoesNotFold() throws {
        let model = try SharedConvolution()
        let recorder = GraphRecorder(parameters: model.stateDict(), inputs: [x])
        let graph = try GradMode.withoutGradients {
            try recorder.record {
                let bn = model.bn
                return try batchNorm(conv2dReLU(x, weight: model.conv.weight, bias: nil, model.conv.config),
                                     weight: bn.weight, bias: bn.bias, runningMean: bn.runningMean, runningVar: bn.runningVar,
                                     training: false)
            }
        }
        XCTAssertEqual(foldBatchNorms(graph).nodes.map(\.op.name), ["conv2d", "batch_norm"])
    }
}

/// bn(conv(x)) + conv(x), the convolution computed once.
final class SharedConvolution: Module {
    let conv: Conv2d
    let bn = BatchNorm2d(3)

    init(channels: Int = 3) throws {
        conv = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let c = try conv(x)
        return try bn(c) + c
    }
}
