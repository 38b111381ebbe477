import Foundation
import GraftCore
import GraftModels
import GraftNN
import XCTest
@testable import GraftONNX

/// Graphs written by the tests themselves: what the import makes of them, checked against the
/// same arithmetic written with GraftCore's ops, and the gradients against finite differences.
final class ImportedGraphTests: XCTestCase {
    func testTinyClassifierImportsWithItsHeadStagesAndShapeArithmetic() throws {
        let network = try ImportedNetwork(contentsOf: ONNXBuilder.tinyClassifier())
        let g = network.graph
        XCTAssertEqual(g.head, ImportedHead(kind: .linear, path: "fc", inFeatures: 4, outFeatures: 3, hasBias: true,
                                            nodes: ["m", "logits"], output: "logits"))
        XCTAssertTrue(g.removedSoftmax)
        XCTAssertEqual(g.features, "f")
        XCTAssertEqual(g.input.channels, 3)
        XCTAssertEqual(network.weights["fc.weight"]?.shape, [3, 4], "MatMul's [in, out] weight becomes PyTorch's [out, in]")
        XCTAssertEqual(Set(g.parameters.filter { $0.role == .parameter }.map(\.name)),
                       ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "dw.weight"])
        XCTAssertEqual(Set(g.parameters.filter { $0.role == .buffer }.map(\.name)), ["bn1.running_mean", "bn1.running_var"])
        XCTAssertEqual(g.stages.map(\.outputSize), [[8, 8], [4, 4]], "a stage per resolution")
        XCTAssertEqual(g.stages.flatMap(\.parameters).sorted(), ["bn1.bias", "bn1.weight", "conv1.bias", "conv1.weight", "dw.weight"])

        let model = try network.makeModel()
        XCTAssertEqual(model.stateDict().map(\.0), ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                                    "bn1.running_var", "dw.weight", "fc.weight", "fc.bias"])
        XCTAssertEqual(model.stagePaths, g.stages.map(\.name) + ["fc"])
    }

    /// The same network written with GraftCore's ops.
    private func reference(_ x: Tensor, _ w: [String: Tensor]) throws -> Tensor {
        var y = try conv2d(x, weight: w["conv1.weight"]!, bias: w["conv1.bias"]!, Conv2dConfig(padding: .symmetric(1)))
        y = try relu(batchNorm(y, weight: w["bn1.weight"]!, bias: w["bn1.bias"]!, runningMean: w["bn1.running_mean"]!,
                               runningVar: w["bn1.running_var"]!, training: false))
        // SAME_UPPER on 8 with kernel 3, stride 2: 1 padding row, at the end.
        y = try relu6(conv2d(y, weight: w["dw.weight"]!, Conv2dConfig(stride: (2, 2), padding: Padding2d(top: 0, left: 0, bottom: 1, right: 1), groups: 4)))
        y = try adaptiveAvgPool2d(y, outputSize: (1, 1)).reshaped([x.shape[0], 4])
        return try linear(y, weight: w["fc.weight"]!, bias: w["fc.bias"]!)
    }

    func testForwardEqualsTheSameArithmeticWrittenByHand() throws {
        let network = try ImportedNetwork(contentsOf: ONNXBuilder.tinyClassifier())
        let model = try network.makeModel()
        model.eval()
        let x = Tensor(shape: [2, 3, 8, 8], data: ONNXBuilder.values(2 * 3 * 64, seed: 11, scale: 1))
        let got = try model(x).toArray(), expected = try reference(x, network.weights).toArray()
        XCTAssertEqual(got.count, 6)
        for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testParameterGradientsEqualFiniteDifferences() throws {
        let model = try ImportedNetwork(contentsOf: ONNXBuilder.tinyClassifier()).makeModel()
        model.eval()
        let x = Tensor(shape: [2, 3, 8, 8], data: ONNXBuilder.values(2 * 3 * 64, seed: 12, scale: 1))
        let mix = Tensor(shape: [2, 3], data: ONNXBuilder.values(6, seed: 13, scale: 1))
        func loss() throws -> Tensor { try sum(mul(model(x), mix)) }
        model.zeroGrad()
        try loss().backward()
        for (name, p) in model.namedParameters() {
            guard let grad = p.grad?.toArray() else { return XCTFail("\(name) has no gradient") }
            var values = p.toArray()
            for i in stride(from: 0, to: values.count, by: max(1, values.count / 5)) {
                let eps: Float = 1e-2, original = values[i]
                values[i] = original + eps
                p.assign(Tensor(shape: p.shape, data: values))
                let up = try GradMode.withoutGradients { try loss().toArray()[0] }
                values[i] = original - eps
                p.assign(Tensor(shape: p.shape, data: values))
                let down = try GradMode.withoutGradients { try loss().toArray()[0] }
                values[i] = original
                p.assign(Tensor(shape: p.shape, data: values))
                let numeric = (up - down) / (2 * eps)
                XCTAssertEqual(grad[i], numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(name)[\(i)]")
            }
        }
    }

    func testUnfusedBatchNormAndNHWCInputTransposeAreRewritten() throws {
        typealias B = ONNXBuilder
        let nodes = [
            B.node("Transpose", ["x", ], ["t"], [B.ints("perm", [0, 3, 1, 2])]),
            B.node("Sub", ["t", "mean"], ["centred"]),
            B.node("Mul", ["centred", "scale"], ["scaled"]),
            B.node("Add", ["scaled", "shift"], ["normed"]),
            B.node("Conv", ["normed", "w", "b"], ["c"], [B.ints("kernel_shape", [3, 3])]),
            B.node("Relu", ["c"], ["r"]),
            B.node("GlobalAveragePool", ["r"], ["p"]),
            B.node("Flatten", ["p"], ["f"]),
            B.node("Gemm", ["f", "head.weight", "head.bias"], ["y"], [B.int("transB", 1)]),
        ]
        let initializers = [
            B.tensor("mean", [1, 3, 1, 1], [0.4, 0.5, 0.6]), B.tensor("scale", [1, 3, 1, 1], [2, 3, 4]), B.tensor("shift", [1, 3, 1, 1], [0.1, -0.1, 0]),
            B.tensor("w", [5, 3, 3, 3], B.values(135, seed: 21)), B.tensor("b", [5], B.values(5, seed: 22)),
            B.tensor("head.weight", [2, 5], B.values(10, seed: 23)), B.tensor("head.bias", [2], B.values(2, seed: 24)),
        ]
        let path = try B.write(nodes: nodes, initializers: initializers, dims: [nil, 8, 8, 3], name: "nhwc")
        let network = try ImportedNetwork(contentsOf: path)
        XCTAssertEqual(network.graph.input.layout, .nchw, "the input transpose is removed: Graft feeds NCHW")
        XCTAssertEqual(network.graph.folded["Transpose (NHWC input)"], 1)
        XCTAssertEqual(network.graph.folded["Sub/Mul/Add (batch norm)"], 3)
        XCTAssertEqual(network.graph.trunk.first?.op, .batchNorm(eps: 0, momentum: 0.9))
        XCTAssertEqual(network.graph.head.path, "head")
        let model = try network.makeModel()
        model.eval()
        let x = Tensor(shape: [1, 3, 8, 8], data: B.values(192, seed: 25, scale: 1))
        let normed = try add(mul(sub(x, Tensor(shape: [1, 3, 1, 1], data: [0.4, 0.5, 0.6])), Tensor(shape: [1, 3, 1, 1], data: [2, 3, 4])),
                             Tensor(shape: [1, 3, 1, 1], data: [0.1, -0.1, 0]))
        let w = network.weights
        let features = try adaptiveAvgPool2d(relu(conv2d(normed, weight: w["w"]!, bias: w["b"]!)), outputSize: (1, 1)).reshaped([1, 5])
        let expected = try linear(features, weight: w["head.weight"]!, bias: w["head.bias"]!).toArray()
        for (a, b) in zip(try model(x).toArray(), expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testAnUnsupportedOperatorIsNamedWithItsNodeAndTheSupportedList() throws {
        let path = try ONNXBuilder.write(nodes: [ONNXBuilder.node("Einsum", ["x"], ["y"], name: "bad_node")], initializers: [], name: "einsum")
        XCTAssertThrowsError(try ImportedNetwork(contentsOf: path)) { error in
            let message = "\(error)"
            for part in ["Einsum", "bad_node", "opset 13", "supported:", "Conv", "LayerNormalization"] {
                XCTAssertTrue(message.contains(part), "'\(part)' missing from: \(message)")
            }
        }
    }

    func testTheDefinitionRoundTripsThroughJSONAndRebuildsTheModel() throws {
        let network = try ImportedNetwork(contentsOf: ONNXBuilder.tinyClassifier())
        let json = try network.graph.json()
        XCTAssertEqual(try ImportedGraph(json: json), network.graph)
        let spec = try ImportedGraph.spec(definition: json, name: "tiny.onnx", preprocessing: network.preprocessing)
        let rebuilt = try spec.make(head: HeadConfig(classes: 7))
        XCTAssertEqual(rebuilt.stateDict().last?.1.shape, [7])
        XCTAssertEqual(rebuilt.headPath, "fc")
        var hostile = network.graph
        hostile.parameters[0].shape = [1 << 40, 1 << 40]
        XCTAssertThrowsError(try ImportedGraph(json: hostile.json()))
    }

    func testCollidingTensorNamesAndAnImpossibleReshapeAreNamed() throws {
        typealias B = ONNXBuilder
        let collide = try B.write(nodes: [
            B.node("Conv", ["x", "block", "block.bias"], ["c"]),
            B.node("GlobalAveragePool", ["c"], ["p"]), B.node("Flatten", ["p"], ["f"]),
            B.node("Gemm", ["f", "fc.weight"], ["y"], [B.int("transB", 1)]),
        ], initializers: [B.tensor("block", [2, 3, 1, 1], B.values(6, seed: 1)), B.tensor("block.bias", [2], [0, 0]),
                          B.tensor("fc.weight", [2, 2], B.values(4, seed: 2))], name: "collide")
        XCTAssertThrowsError(try ImportedNetwork(contentsOf: collide)) { error in
            XCTAssertTrue("\(error)".contains("'block'"), "\(error)")
        }
        let reshape = try B.write(nodes: [
            B.node("Reshape", ["x", "shape"], ["r"], name: "bad_reshape"),
            B.node("Gemm", ["r", "fc.weight"], ["y"], [B.int("transB", 1)]),
        ], initializers: [B.int64s("shape", [5, 7]), B.tensor("fc.weight", [2, 7], B.values(14, seed: 3))], name: "reshape")
        XCTAssertThrowsError(try ImportedNetwork(contentsOf: reshape)) { error in
            XCTAssertTrue("\(error)".contains("bad_reshape"), "\(error)")
        }
    }

    func testHostileDefinitionsAreRefusedBeforeAnythingRuns() throws {
        let graph = try ImportedNetwork(contentsOf: ONNXBuilder.tinyClassifier(name: "definition")).graph
        var zeroStride = graph
        zeroStride.trunk[0].op = .conv(strides: [0, 0], padding: nil, autoPad: .sameUpper, dilations: [1, 1], groups: 1)
        XCTAssertThrowsError(try ImportedGraph(json: zeroStride.json())) { XCTAssertTrue("\($0)".contains("strides [0, 0]"), "\($0)") }
        var headOnTensor = graph
        headOnTensor.head.path = "conv1.weight"
        XCTAssertThrowsError(try ImportedGraph(json: headOnTensor.json())) { XCTAssertTrue("\($0)".contains("conv1.weight"), "\($0)") }
        var headOverTensors = graph
        headOverTensors.head.path = "bn1"
        headOverTensors.parameters.removeAll { $0.name == "bn1.weight" }
        XCTAssertThrowsError(try ImportedGraph(json: headOverTensors.json())) { XCTAssertTrue("\($0)".contains("under the head"), "\($0)") }
        XCTAssertThrowsError(try ImportedModel(headOverTensors, weights: [:]))
    }

    func testARecordedPreprocessingOutOfRangeIsRefused() throws {
        let path = try ONNXBuilder.tinyClassifier(name: "recorded")
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        var entry = Onnx_StringStringEntryProto()
        entry.key = ImportedNetwork.preprocessingKey
        entry.value = #"{"channels": 3, "inputSize": 100000, "resizeShorter": 100000, "mean": [0], "std": [1]}"#
        model.metadataProps = [entry]
        try model.serializedData().write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ImportedNetwork(contentsOf: path)) { XCTAssertTrue("\($0)".contains("inputSize"), "\($0)") }
        entry.value = #"{"channels": 3, "inputSize": 8, "resizeShorter": 9, "mean": [0.5], "std": [0.25]}"#
        model.metadataProps = [entry]
        try model.serializedData().write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ImportedNetwork(contentsOf: path).preprocessing.resizeShorter, 9)
    }

    func testASliceStepLongerThanItsAxisTakesOneElement() throws {
        let x = HostTensor(shape: [5], elements: .int([10, 11, 12, 13, 14]))
        func slice(_ step: Int64, from start: Int64) throws -> HostTensor {
            try HostEvaluation.evaluate(.slice, [x, HostTensor(shape: [1], elements: .int([start])), HostTensor(shape: [1], elements: .int([step > 0 ? Int64.max : Int64.min])),
                                                 HostTensor(shape: [1], elements: .int([0])), HostTensor(shape: [1], elements: .int([step]))])[0]
        }
        XCTAssertEqual(try slice(.max, from: 1).elements, .int([11]))
        XCTAssertEqual(try slice(.min, from: 3).elements, .int([13]))
        XCTAssertEqual(try slice(2, from: 0).elements, .int([10, 12, 14]))
        XCTAssertEqual(try slice(-2, from: -1).elements, .int([14, 12, 10]))
    }
}
