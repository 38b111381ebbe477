import GraftCore
import XCTest
@testable import GraftModels
@testable import GraftNN

final class ExecutionPlanTests: XCTestCase {
    /// A batch of 2 of the smallest square input each architecture takes.
    private func input(for spec: ModelSpec, side: Int? = nil, seed: Int) -> Tensor {
        let side = side ?? (spec.name == "inception_v3" ? 80 : spec.name == "lenet5" ? 32 : 64)
        let shape = [2, spec.preprocessing.channels, side, side]
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919 + seed) % 101) / 50 - 1 })
    }

    private func eager(_ model: Module, _ x: Tensor) throws -> [Float] {
        try GradMode.withoutGradients { try model(x) }.toArray()
    }

    /// The zoo's ResNet-18 with 5 classes, in eval mode.
    private func resNet18() throws -> (ModelSpec, any TransferModel) {
        let spec = try XCTUnwrap(ModelZoo.builtIn.first { $0.name == "resnet18" })
        let model = try spec.make(numClasses: 5)
        model.eval()
        return (spec, model)
    }

    private func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }

    /// For every zoo model, in inference and with its trunk frozen (all but the head), the
    /// compiled plan's output equals the eager forward's within 1e-4 of its largest magnitude.
    func testEveryZooModelMatchesEagerInFloat32() throws {
        var fallbacks: [String: Set<String>] = [:]
        for spec in ModelZoo.builtIn {
            seedRandom(for: spec)
            let model = try spec.make(numClasses: 5)
            model.eval()
            let compiled = CompiledInference(model)
            let x = input(for: spec, seed: 11)
            let expected = try eager(model, x)
            let got: [Float]
            do { got = try compiled(x).toArray() } catch { XCTFail("\(spec.name): \(error)"); continue }
            XCTAssertLessThanOrEqual(worst(got, expected), 1e-4 * (expected.map(abs).max() ?? 0), spec.name)
            model.freeze()
            model.unfreeze([model.headPath])
            let frozen = try compiled(x).toArray()
            XCTAssertLessThanOrEqual(worst(frozen, expected), 1e-4 * (expected.map(abs).max() ?? 0), "\(spec.name), trunk frozen")
            let eagerSteps = try XCTUnwrap(compiled.plan(for: x)).steps.map(\.op).filter { $0.hasPrefix("eager:") }
            if !eagerSteps.isEmpty { fallbacks[spec.name] = Set(eagerSteps) }
        }
        print("ExecutionPlan eager fallbacks:", fallbacks.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.sorted())" })
    }

    /// Under bfloat16 the plans of a representative subset of the zoo (residual sums, inverted
    /// residuals, squeeze-and-excitation with hardsigmoid, concatenation, EfficientNet-Lite0)
    /// pick the eager forward's top class for each image of the batch and stay within 5% of
    /// the largest logit.
    func testRepresentativeModelsAgreeWithEagerInBFloat16() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "no AVX512-BF16")
        try Engine.shared.setPrecision(.bfloat16)
        defer { try? Engine.shared.setPrecision(.float32) }
        let names = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "googlenet", "efficientnet_lite0"]
        for spec in ModelZoo.builtIn where names.contains(spec.name) {
            seedRandom(for: spec)
            let model = try spec.make(numClasses: 5)
            model.eval()
            let x = input(for: spec, seed: 5)
            try Engine.shared.setPrecision(.float32)
            let expected = try eager(model, x)
            try Engine.shared.setPrecision(.bfloat16)
            let got: [Float]
            do { got = try CompiledInference(model)(x).toArray() } catch { XCTFail("\(spec.name): \(error)"); continue }
            let largest = expected.map(abs).max() ?? 0
            let error = worst(got, expected)
            XCTAssertLessThanOrEqual(error, 0.05 * largest, spec.name)
            func top(_ v: [Float]) -> [Int] { stride(from: 0, to: v.count, by: 5).map { i in (i..<i + 5).max { v[$0] < v[$1] }! - i } }
            if top(got) != top(expected) { print("bf16 \(spec.name): top-1 differs, error \(error / largest) of max|logit|") }
            XCTAssertEqual(top(got), top(expected), spec.name)
        }
    }

    /// A parameter written after the plan was compiled, by `assign` or in place, and one
    /// replaced by another tensor, are what the next run reads.
    func testAParameterWrittenAfterCompilingIsSeen() throws {
        let (spec, model) = try resNet18()
        let compiled = CompiledInference(model)
        let x = input(for: spec, seed: 3)
        let before = try compiled(x).toArray()
        let params = graphParameters(of: model)
        let conv = try XCTUnwrap(params["conv1.weight"]), mean = try XCTUnwrap(params["bn1.running_mean"])
        conv.assign(Tensor(shape: conv.shape, data: conv.toArray().map { $0 * 0.5 + 0.01 }))
        let afterAssign = try compiled(x).toArray()
        XCTAssertGreaterThan(worst(afterAssign, before), 0)
        XCTAssertLessThanOrEqual(worst(afterAssign, try eager(model, x)), 1e-4 * (afterAssign.map(abs).max() ?? 0))
        mean.withUnsafeMutableFloats { for i in $0.indices { $0[i] += 0.3 } }
        let afterInPlace = try compiled(x).toArray()
        XCTAssertGreaterThan(worst(afterInPlace, afterAssign), 0)
        XCTAssertLessThanOrEqual(worst(afterInPlace, try eager(model, x)), 1e-4 * (afterInPlace.map(abs).max() ?? 0))
        XCTAssertEqual(compiled.planCount, 1)
    }

    /// Running a plan again with the same parameters (new `stateDict()` tensors over the same
    /// storages) prepares no weight again: nothing runs but the plan's own steps.
    func testASecondRunPreparesNoWeights() throws {
        let (spec, model) = try resNet18()
        let compiled = CompiledInference(model)
        let x = input(for: spec, seed: 2)
        let first = try compiled(x).toArray()
        Engine.shared.resetExecutionCounts()
        XCTAssertEqual(try compiled(x).toArray(), first)
        XCTAssertNil(Engine.shared.executionCounts["reorder"], "\(Engine.shared.executionCounts)")
    }

    /// Two input shapes through one CompiledInference give two plans, each matching eager.
    func testTwoInputShapesGiveTwoPlans() throws {
        let (spec, model) = try resNet18()
        let compiled = CompiledInference(model)
        for side in [64, 96] {
            let x = input(for: spec, side: side, seed: side)
            let expected = try eager(model, x)
            XCTAssertLessThanOrEqual(worst(try compiled(x).toArray(), expected), 1e-4 * (expected.map(abs).max() ?? 0), "side \(side)")
        }
        XCTAssertEqual(compiled.planCount, 2)
        let plan = try XCTUnwrap(compiled.plan(for: input(for: spec, side: 64, seed: 0)))
        XCTAssertLessThan(plan.plannedBytes, plan.unplannedBytes)
        XCTAssertEqual(plan.steps.filter { $0.op == "reorder" }.count, 0, "ResNet-18 needs no reorder between ops")
    }

    /// A plan refuses an input or a parameter of another shape than it was compiled for, naming it.
    func testShapeMismatchesThrow() throws {
        let (spec, model) = try resNet18()
        let x = input(for: spec, seed: 1)
        let plan = try XCTUnwrap(CompiledInference(model).plan(for: x))
        XCTAssertThrowsError(try plan.run([input(for: spec, side: 32, seed: 1)], parameters: graphParameters(of: model)))
        var params = graphParameters(of: model)
        params["fc.weight"] = Tensor.zeros([3, 512])
        XCTAssertThrowsError(try plan.run([x], parameters: params)) { error in
            XCTAssertTrue("\(error)".contains("fc.weight"), "\(error)")
        }
    }

    /// A forward that makes a tensor from its input's values (a trace would freeze it as a
    /// constant) runs eagerly, in eval mode: right on every input, and the module's mode kept.
    func testAForwardTheGraphCannotDescribeRunsEagerly() throws {
        final class ShiftByMean: Module {
            override func forward(_ x: Tensor) throws -> Tensor {
                let values = x.toArray()
                let mean = values.reduce(0, +) / Float(values.count)
                return try add(x, Tensor(repeating: mean, shape: x.shape))
            }
        }
        let model = ShiftByMean()
        model.train()
        let compiled = CompiledInference(model)
        let first = passTestInput([2, 3, 4, 4])
        for x in [first, Tensor(shape: first.shape, data: first.toArray().map { $0 * 3 + 1 })] {
            XCTAssertEqual(try compiled(x).toArray(), try eager(model, x))
        }
        XCTAssertNil(try compiled.plan(for: first))
        XCTAssertTrue(model.training)
    }
}
