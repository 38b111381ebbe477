import GraftCore
import GraftNN
import GraftTestSupport
import XCTest

final class BatchNormReLUFusionTests: XCTestCase {
    private let x = passTestInput([2, 3, 8, 8])

    /// `model`'s forward on `x` in training mode, traced with the ops that train.
    private func trainingGraph(_ model: Module) throws -> Graph {
        model.train()
        let recorder = GraphRecorder(parameters: model.namedParameters() + model.namedBuffers(), inputs: [x], training: true)
        return try recorder.record { try model(x) }
    }

    /// One training step of `graph` on a `SmallResidual` seeded with `seed`: the cross-entropy
    /// loss, the input's gradient, every parameter's gradient and the running statistics after it.
    private func trainingStep(_ graph: Graph, seed: UInt64) throws -> [[Float]] {
        GlobalRandom.seed(seed)
        let model = try SmallResidual()
        let input = x.copy()
        input.requiresGrad = true
        let parameters = Dictionary(model.namedParameters() + model.namedBuffers(), uniquingKeysWith: { first, _ in first })
        let loss = try crossEntropy(interpret(graph, inputs: [input], parameters: parameters)[0], labels: Tensor(labels: [0, 1]))
        try loss.backward()
        let gradients = try ([input] + model.parameters()).map { try XCTUnwrap($0.grad).toArray() }
        return [[loss.item]] + gradients + [model.bn.runningMean.toArray(), model.bn.runningVar.toArray()]
    }

    /// In a training graph the ReLU that alone reads a batch norm's output goes into the batch
    /// norm, which still trains and writes the ReLU's output; no ReLU primitive runs forward or
    /// backward, and the loss, gradients and running statistics equal the unfused graph's.
    func testReLUAfterTrainingBatchNormFuses() throws {
        GlobalRandom.seed(3)
        let graph = try trainingGraph(try SmallResidual())
        XCTAssertEqual(graph.nodes.map(\.op.name), ["conv2d", "batch_norm", "relu", "add", "adaptive_avg_pool2d", "reshape", "linear"])
        let fused = fuseBatchNormReLU(graph)
        XCTAssertEqual(fused.nodes.map(\.op.name), ["conv2d", "batch_norm", "add", "adaptive_avg_pool2d", "reshape", "linear"])
        XCTAssertEqual(fused.nodes[1].op.attributes.filter { ["relu", "training"].contains($0) }, ["relu", "training"])
        XCTAssertEqual(fused.nodes[1].output, graph.nodes[2].output)
        XCTAssertEqual(fused.nodes[1].scope, "", "the module holding both")

        Engine.shared.resetExecutionCounts()
        let unfused = try trainingStep(graph, seed: 3)
        XCTAssertEqual(Engine.shared.executionCounts["relu.forward"], 1)
        Engine.shared.resetExecutionCounts()
        let result = try trainingStep(fused, seed: 3)
        XCTAssertNil(Engine.shared.executionCounts["relu.forward"])
        XCTAssertNil(Engine.shared.executionCounts["relu.backward"])
        XCTAssertEqual(result.count, unfused.count)
        for (a, b) in zip(result, unfused) { XCTAssertLessThanOrEqual(maxRelativeDifference(a, b), 1e-5) }
    }

    /// A ReLU whose batch norm's output something else also reads stays apart; a batch norm
    /// that trains does not fold into the convolution before it.
    func testBatchNormsThatMustStayApartDoNot() throws {
        let bn = BatchNorm2d(3)
        let recorder = GraphRecorder(parameters: bn.namedParameters() + bn.namedBuffers(), inputs: [x], training: true)
        let graph = try recorder.record {
            let y = try batchNorm(x, weight: bn.weight, bias: bn.bias, runningMean: bn.runningMean, runningVar: bn.runningVar,
                                  training: true)
            return try relu(y) + y
        }
        XCTAssertEqual(graph.nodes.map(\.op.name), ["batch_norm", "relu", "add"])
        XCTAssertEqual(fuseBatchNormReLU(graph).nodes.map(\.op.attributes), graph.nodes.map(\.op.attributes))

        GlobalRandom.seed(4)
        let folded = foldBatchNorms(try trainingGraph(try SmallResidual()))
        XCTAssertEqual(folded.nodes.prefix(3).map(\.op.name), ["conv2d", "batch_norm", "relu"])
    }
}
