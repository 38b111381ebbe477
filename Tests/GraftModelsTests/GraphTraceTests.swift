import GraftCore
import XCTest
@testable import GraftModels
@testable import GraftNN

final class GraphTraceTests: XCTestCase {
    /// A batch of 2 of the smallest square input each architecture takes in inference.
    private func input(for spec: ModelSpec, seed: Int) -> Tensor {
        let side = spec.name == "inception_v3" ? 80 : spec.name == "lenet5" ? 32 : 64
        let shape = [2, spec.preprocessing.channels, side, side]
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919 + seed) % 101) / 50 - 1 })
    }

    /// For every zoo model: the graph traced on one input, interpreted on another, gives the
    /// eval forward's output bit for bit (with its batch norms folded, and after every pass,
    /// within 1e-4 of its largest magnitude, no dropout or
    /// stochastic depth left, ResNet-18's residual sums fused); no tensor the forward read became
    /// a constant of the graph.
    func testEveryZooModelsGraphComputesItsForward() throws {
        for spec in ModelZoo.builtIn {
            seedRandom(for: spec)
            let model = try spec.make(numClasses: 5)
            model.eval()
            let graph = try traceGraph(model, input: input(for: spec, seed: 0))
            XCTAssertTrue(graph.constants.isEmpty, "\(spec.name): \(graph.constants.count) constants")
            let stateNames = Set(model.stateDict().map(\.0)), read = Set(graph.parameterNames)
            XCTAssertTrue(read.isSubset(of: stateNames), spec.name)
            let auxiliary = model.auxiliaryHeadPaths.map { $0 + "." }
            let unread = model.namedParameters().map(\.0).filter { name in
                !read.contains(name) && !auxiliary.contains { name.hasPrefix($0) }
            }
            XCTAssertEqual(unread, [], spec.name)
            let x = input(for: spec, seed: 37)
            let interpreted = try GradMode.withoutGradients {
                try interpret(graph, inputs: [x], parameters: graphParameters(of: model))
            }
            XCTAssertEqual(interpreted.count, 1)
            let got = interpreted[0].toArray()
            let eager = try GradMode.withoutGradients { try model(x) }.toArray()
            XCTAssertTrue(got.map(\.bitPattern) == eager.map(\.bitPattern),
                          "\(spec.name): differs from the eager forward by \(zip(got, eager).map { abs($0 - $1) }.max() ?? .nan)")

            let folded = try GradMode.withoutGradients {
                try interpret(foldBatchNorms(graph), inputs: [x], parameters: graphParameters(of: model))[0].toArray()
            }
            let foldError = zip(folded, got).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(foldError, 1e-4 * (got.map(abs).max() ?? 0), "\(spec.name): batch norms folded")

            let optimized = fuseActivations(fuseResidualSums(foldBatchNorms(dropInferenceIdentities(graph))))
            let left = optimized.nodes.map(\.op.name).filter { ["dropout", "stochastic_depth"].contains($0) }
            XCTAssertEqual(left, [], "\(spec.name): no-ops left")
            if spec.name == "resnet18" {
                let sums = optimized.nodes.filter { $0.op.attributes.contains("post=sum") && $0.op.attributes.last == "post=relu" }
                XCTAssertEqual(sums.count, 8, "resnet18: every block's add and ReLU in its last convolution")
            }
            assertClose(try interpretedOutput(optimized, model, x), got, "\(spec.name): every pass")
        }
    }

    /// conv → bn → relu, a residual add, pooling and a linear head: exactly those nodes, reading
    /// the parameters and buffers by name, with the shapes they produce, in the modules that ran them.
    func testSmallModuleGivesExactlyItsNodes() throws {
        let model = try SmallResidual()
        let graph = try traceGraph(model, input: Tensor.zeros([2, 3, 8, 8]))
        XCTAssertEqual(graph.nodes.map(\.op.name),
                       ["conv2d", "batch_norm", "relu", "add", "adaptive_avg_pool2d", "reshape", "linear"])
        XCTAssertEqual(graph.inputs, [0])
        let n = graph.nodes
        XCTAssertEqual(n[0].inputs, [.value(0), .parameter("conv.weight")])
        XCTAssertEqual(n[1].inputs, [.value(n[0].output), .parameter("bn.weight"), .parameter("bn.bias"),
                                     .parameter("bn.running_mean"), .parameter("bn.running_var")])
        XCTAssertEqual(n[3].inputs, [.value(n[2].output), .value(0)])
        XCTAssertEqual(n[6].inputs, [.value(n[5].output), .parameter("fc.weight"), .parameter("fc.bias")])
        XCTAssertEqual(n.map { graph.values[$0.output].shape },
                       [[2, 3, 8, 8], [2, 3, 8, 8], [2, 3, 8, 8], [2, 3, 8, 8], [2, 3, 1, 1], [2, 3], [2, 4]])
        XCTAssertEqual(graph.outputs, [.value(n[6].output)])
        XCTAssertEqual(n.map(\.scope), ["conv", "bn", "", "", "", "", "fc"])
        XCTAssertEqual(n[0].flops, 2 * 3 * 8 * 8 * (2 * 3 * 9))
        XCTAssertTrue(model.training, "the model's mode is restored")
    }

    /// An op run by hand on batch statistics inside a recording makes the trace fail instead
    /// of describing inference wrongly.
    func testTrainingOpsAreRejected() throws {
        let bn = BatchNorm2d(3)
        let recorder = GraphRecorder(parameters: bn.namedParameters(), inputs: [Tensor.ones([2, 3, 2, 2])])
        XCTAssertThrowsError(try recorder.record {
            try batchNorm(Tensor.ones([2, 3, 2, 2]), weight: bn.weight, bias: bn.bias, runningMean: bn.runningMean,
                          runningVar: bn.runningVar, training: true)
        })
    }

    /// Nothing is recorded, and no op behaves differently, when no trace is active.
    func testOpsOutsideATraceAreUnchanged() throws {
        let model = try SmallResidual()
        model.eval()
        let x = Tensor(shape: [2, 3, 8, 8], data: (0..<384).map { Float($0 % 17) / 8 - 1 })
        let before = try GradMode.withoutGradients { try model(x) }.toArray()
        _ = try traceGraph(model, input: x)
        XCTAssertEqual(try GradMode.withoutGradients { try model(x) }.toArray(), before)
    }
}

/// relu(bn(conv(x))) + x, pooled, flattened, through a linear layer.
final class SmallResidual: Module {
    let conv: Conv2d
    let bn = BatchNorm2d(3)
    let fc: Linear

    init(channels: Int = 3) throws {
        conv = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false)
        fc = try Linear(inFeatures: 3, outFeatures: 4)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let h = try relu(bn(conv(x))) + x
        return try fc(adaptiveAvgPool2d(h, outputSize: (1, 1)).flattened())
    }
}
