import GraftCore
import XCTest

/// The ops the plan compiles beyond convolutions, linear layers, activations and plain pooling:
/// each runs as a oneDNN step (no eager fallback) and the plan equals the interpreted graph.
final class ExecutionPlanOpsTests: XCTestCase {
    private let x = passTestInput([2, 6, 9, 9])
    private func values(_ shape: [Int], _ seed: Int, scale: Float = 0.2, offset: Float = 0) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919 + seed) % 23) / 11 * scale - scale + offset })
    }

    private lazy var weights = (a: values([16, 6, 3, 3], 1), b: values([8, 6, 1, 1], 2), c: values([6, 6, 1, 1], 7))
    private lazy var bn = (weight: values([30], 3, offset: 1), bias: values([30], 4), mean: values([30], 5),
                           variance: values([30], 6, scale: 0.3, offset: 1))
    private lazy var parameters: [(String, Tensor)] = [
        ("a.weight", weights.a), ("b.weight", weights.b), ("c.weight", weights.c), ("bn.weight", bn.weight), ("bn.bias", bn.bias),
        ("bn.running_mean", bn.mean), ("bn.running_var", bn.variance),
    ]

    /// conv ∥ conv ∥ conv (16, 8 and 6 channels) → squeeze-and-excitation scale (both operand orders) → hardsigmoid
    /// → batch norm with ReLU → padded average pooling (counting padding, and ceil mode not
    /// counting it) → LRN → softmax and log-softmax.
    private func graph() throws -> Graph {
        let (x, w, bn) = (x, weights, bn)
        let recorder = GraphRecorder(parameters: parameters, inputs: [x])
        return try GradMode.withoutGradients {
            try recorder.record {
                let a = try conv2d(x, weight: w.a, Conv2dConfig(padding: Padding2d(1, 1)))
                let b = try conv2d(x, weight: w.b)
                let joined = try concat([a, b, conv2d(x, weight: w.c)], axis: 1)
                let scale = try sigmoid(adaptiveAvgPool2d(joined, outputSize: (1, 1)))
                let excited = try hardsigmoid(mul(scale, try mul(joined, scale)))
                let normed = try batchNorm(excited, weight: bn.weight, bias: bn.bias, runningMean: bn.mean, runningVar: bn.variance,
                                           training: false, relu: true)
                let counted = try avgPool2d(normed, Pool2dConfig(kernel: (3, 3), stride: (1, 1), padding: (1, 1)))
                let ceiled = try avgPool2d(counted, Pool2dConfig(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true,
                                                                 countIncludePad: false))
                let flat = try localResponseNorm(ceiled, size: 5).flattened()
                return try softmax(flat) + logSoftmax(flat, axis: -1)
            }
        }
    }

    private func run(_ graph: Graph, _ precision: ComputePrecision) throws -> (ExecutionPlan, [Float]) {
        let p = Dictionary(uniqueKeysWithValues: parameters)
        let plan = try ExecutionPlan(graph, parameters: p, precision: precision)
        return (plan, try plan.run([x], parameters: p)[0].toArray())
    }

    func testConcatBroadcastProductHardsigmoidBatchNormPoolingLRNAndSoftmaxCompile() throws {
        let graph = try graph()
        let expected = try GradMode.withoutGradients {
            try interpret(graph, inputs: [x], parameters: Dictionary(uniqueKeysWithValues: parameters))[0].toArray()
        }
        let (plan, got) = try run(graph, .float32)
        XCTAssertEqual(plan.steps.filter { $0.op.hasPrefix("eager:") }.map(\.op), [])
        for op in ["concat", "mul", "hardsigmoid", "batch_norm", "avg_pool2d", "local_response_norm", "softmax", "log_softmax"] {
            XCTAssertTrue(plan.steps.contains { $0.op == op }, op)
        }
        assertClose(got, expected)
    }

    /// Under bfloat16 the concatenation, both products, hardsigmoid and batch norm keep
    /// bfloat16; LRN and softmax compute in float32.
    func testBFloat16StaysThroughConcatProductsAndBatchNorm() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "no AVX512-BF16")
        let graph = try graph()
        let (expectedPlan, expected) = try run(graph, .float32)
        XCTAssertTrue(expectedPlan.steps.allSatisfy { $0.precision == "fp32" })
        let (plan, got) = try run(graph, .bfloat16)
        let precision = Dictionary(plan.steps.map { ($0.op, $0.precision) }) { first, _ in first }
        for op in ["concat", "mul", "hardsigmoid", "batch_norm"] { XCTAssertEqual(precision[op], "bf16", op) }
        for op in ["local_response_norm", "softmax"] { XCTAssertEqual(precision[op], "fp32", op) }
        XCTAssertEqual(plan.steps.filter { $0.op.hasPrefix("eager:") }.map(\.op), [])
        XCTAssertLessThanOrEqual(zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity, 0.03 * (expected.map(abs).max() ?? 0))
    }

    /// A squeeze-and-excitation scale over a grouped convolution's blocked output (oneDNN 2.6
    /// has only a reference kernel for that broadcast) runs row-major, equal to the interpreted graph.
    func testAScaleOverABlockedValueRunsRowMajor() throws {
        let weight = values([16, 8, 3, 3], 8)
        let x = passTestInput([2, 16, 8, 8])
        let recorder = GraphRecorder(parameters: [("g.weight", weight)], inputs: [x])
        let graph = try GradMode.withoutGradients {
            try recorder.record {
                let y = try conv2d(x, weight: weight, Conv2dConfig(padding: Padding2d(1, 1), groups: 2))
                return try y * sigmoid(adaptiveAvgPool2d(y, outputSize: (1, 1)))
            }
        }
        let plan = try ExecutionPlan(graph, parameters: ["g.weight": weight], precision: .float32)
        let layouts = Dictionary(plan.steps.map { ($0.op, $0.layout) }) { first, _ in first }
        XCTAssertFalse(["nchw", "nhwc"].contains(layouts["conv2d"]), "\(layouts)")
        XCTAssertEqual(layouts["mul"], "nchw")
        let expected = try GradMode.withoutGradients { try interpret(graph, inputs: [x], parameters: ["g.weight": weight])[0].toArray() }
        assertClose(try plan.run([x], parameters: ["g.weight": weight])[0].toArray(), expected)
    }

    /// An average pooling that counts padding and whose ceil-mode window hangs past the padded
    /// input (PyTorch divides it by less than the kernel, oneDNN would not) runs eagerly.
    func testAveragePoolingOverhangingTheInputStaysEager() throws {
        let recorder = GraphRecorder(parameters: [], inputs: [x])
        let graph = try GradMode.withoutGradients {
            try recorder.record { try avgPool2d(x, Pool2dConfig(kernel: (2, 2), stride: (2, 2), ceilMode: true)) }
        }
        let plan = try ExecutionPlan(graph, parameters: [:], precision: .float32)
        XCTAssertEqual(plan.steps.map(\.op), ["input", "eager:avg_pool2d"])
        let expected = try GradMode.withoutGradients { try interpret(graph, inputs: [x], parameters: [:])[0].toArray() }
        assertClose(try plan.run([x], parameters: [:])[0].toArray(), expected)
    }
}
