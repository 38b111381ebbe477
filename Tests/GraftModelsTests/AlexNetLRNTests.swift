import Foundation
import GraftCore
@testable import GraftModels
import GraftNN
import XCTest

/// The 2012 paper's AlexNet, which torchvision lacks: its architecture, initialisation,
/// normalisation, forward and backward, checked against the paper rather than a reference.
final class AlexNetLRNTests: XCTestCase {
    /// Built once: a debug build takes seconds to draw its 61 million weights.
    nonisolated(unsafe) private static var shared: AlexNetLRN?

    private func model() throws -> AlexNetLRN {
        if let model = Self.shared { return model }
        GlobalRandom.seed(2012)
        let model = try AlexNetLRN(numClasses: 1000)
        Self.shared = model
        return model
    }

    func testTheLayersAreThePapers() throws {
        let model = try model()
        let shapes = model.stateDict().map { "\($0.0) \($0.1.shape)" }
        XCTAssertEqual(shapes, [
            "features.0.weight [96, 3, 11, 11]", "features.0.bias [96]",
            "features.4.weight [256, 48, 5, 5]", "features.4.bias [256]",
            "features.8.weight [384, 256, 3, 3]", "features.8.bias [384]",
            "features.10.weight [384, 192, 3, 3]", "features.10.bias [384]",
            "features.12.weight [256, 192, 3, 3]", "features.12.bias [256]",
            "classifier.0.weight [4096, 9216]", "classifier.0.bias [4096]",
            "classifier.3.weight [4096, 4096]", "classifier.3.bias [4096]",
            "classifier.6.weight [1000, 4096]", "classifier.6.bias [1000]",
        ])
        // "The neural network has 60 million parameters."
        XCTAssertEqual(model.parameterCount, 60_965_224)
        // The feature maps of the paper's Figure 2 (55, 27, 13, 13, 13), pooled to 6×6.
        model.eval()
        var h = Tensor(repeating: 0.5, shape: [1, 3, 224, 224])
        var sizes: [[Int]] = []
        try GradMode.withoutGradients {
            for (_, layer) in model.features.children {
                h = try layer(h)
                if layer is Conv2d { sizes.append(Array(h.shape.dropFirst())) }
            }
        }
        XCTAssertEqual(sizes, [[96, 55, 55], [256, 27, 27], [384, 13, 13], [384, 13, 13], [256, 13, 13]])
        XCTAssertEqual(h.shape, [1, 256, 6, 6])
        let spec = try ZooParity.spec("alexnet_lrn")
        XCTAssertEqual(spec.preprocessing, .imageNet())
        ZooParity.assertStages(model, spec.name, classes: 1000, file: #filePath, line: #line)
    }

    func testInitialisationIsThePapers() throws {
        // "We initialized the weights in each layer from a zero-mean Gaussian distribution
        // with standard deviation 0.01. We initialized the neuron biases in the second,
        // fourth, and fifth convolutional layers, as well as in the fully-connected hidden
        // layers, with the constant 1. We initialized the neuron biases in the remaining
        // layers with the constant 0."
        let model = try model()
        let biases: [String: Float] = ["features.0": 0, "features.4": 1, "features.8": 0, "features.10": 1,
                                       "features.12": 1, "classifier.0": 1, "classifier.3": 1, "classifier.6": 0]
        for (layer, bias) in biases {
            let w = ZooParity.Moments(try XCTUnwrap(model.parameter(named: layer + ".weight")).toArray())
            XCTAssertEqual(w.mean, 0, accuracy: 6 * 0.01 / Double(w.n).squareRoot(), layer)
            XCTAssertEqual(w.std, 0.01, accuracy: 6 * 0.01 / Double(w.n).squareRoot(), layer)
            XCTAssertGreaterThan(w.maxAbs, 0.025, "\(layer) is normal, not uniform")
            XCTAssertEqual(Set(try XCTUnwrap(model.parameter(named: layer + ".bias")).toArray()), [bias], layer)
        }
    }

    /// The paper's b = a / (k + α Σ a²)^β with n = 5, α = 1e-4, β = 0.75, k = 2, the sum
    /// running over the channels within 2 of the channel (those that exist), on inputs large
    /// enough that α matters.
    func testNormalisationIsThePapers() throws {
        let model = try model()
        let (n, c, hw) = (2, 9, 3)
        var g = RandomGenerator(seed: 5)
        let values = (0..<n * c * hw * hw).map { _ in g.uniform(-40, 40) }
        for layer in [model.features[2], model.features[6]] {
            let out = try GradMode.withoutGradients { try layer(Tensor(shape: [n, c, hw, hw], data: values)) }.toArray()
            var expected: [Double] = []
            for b in 0..<n {
                for ch in 0..<c {
                    for p in 0..<hw * hw {
                        let a = { (k: Int) in Double(values[(b * c + k) * hw * hw + p]) }
                        let sum = (max(0, ch - 2)...min(c - 1, ch + 2)).reduce(0.0) { $0 + a($1) * a($1) }
                        expected.append(a(ch) / pow(2 + 1e-4 * sum, 0.75))
                    }
                }
            }
            let scale = expected.map(abs).max()!
            let worst = zip(out, expected).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale)
        }
    }

    /// Train-mode logits and gradients for every parameter at 224×224, and the directional
    /// derivative of Σ logits · probe along each checked layer's gradient (the first
    /// convolution, both kinds of grouped one, the head) against central differences on a
    /// small eval-mode input. The paper's small weights and unit biases leave the logits all
    /// but insensitive to the convolutions, below float32 resolution, so this test draws
    /// He-scaled convolution weights and zero biases, and puts the paper's back afterwards.
    func testForwardAndBackward() throws {
        let model = try model()
        let papers = model.stateDict().map { ($0.0, $0.1.copy()) }
        defer { _ = try? model.loadStateDict(papers) }
        GlobalRandom.seed(11)
        for (name, p) in model.namedParameters() where name.hasPrefix("features.") || name.hasSuffix("bias") {
            try name.hasSuffix("bias") ? Init.zeros(p) : Init.kaimingNormal(p, nonlinearity: .relu)
        }
        var g = RandomGenerator(seed: 7)
        let batch = Tensor(shape: [2, 3, 224, 224], data: (0..<2 * 3 * 224 * 224).map { _ in g.nextNormal() })
        model.train()
        model.zeroGrad()
        let trainLogits = try model(batch)
        XCTAssertEqual(trainLogits.shape, [2, 1000])
        try crossEntropy(trainLogits, labels: Tensor(labels: [3, 999])).backward()
        for (name, p) in model.namedParameters() {
            let grad = try XCTUnwrap(p.grad, name)
            XCTAssertEqual(grad.shape, p.shape, name)
            XCTAssertTrue(grad.toArray().contains { $0 != 0 }, "\(name) got a zero gradient")
        }

        model.eval()
        let x = Tensor(shape: [1, 3, 79, 79], data: (0..<3 * 79 * 79).map { _ in g.nextNormal() })
        let probe = (0..<1000).map { _ in g.uniform(-1, 1) }
        func objective() throws -> Double {
            let y = try GradMode.withoutGradients { try model(x) }.toArray()
            return zip(y, probe).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        model.zeroGrad()
        try model(x).backward(gradient: Tensor(shape: [1, 1000], data: probe))
        for name in ["features.0.weight", "features.4.weight", "features.10.weight", "classifier.6.weight"] {
            let p = try XCTUnwrap(model.parameter(named: name))
            let start = p.toArray()
            let gradient = try XCTUnwrap(p.grad).toArray()
            let largest = gradient.map(abs).max()!
            let direction = gradient.map { $0 / largest }
            let analytic = zip(gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            // Small enough that few ReLUs and max-pool windows change sides, large enough for float32.
            let eps: Float = 1e-5
            p.assign(Tensor(shape: p.shape, data: zip(start, direction).map { $0 + eps * $1 }))
            let plus = try objective()
            p.assign(Tensor(shape: p.shape, data: zip(start, direction).map { $0 - eps * $1 }))
            let minus = try objective()
            p.assign(Tensor(shape: p.shape, data: start))
            XCTAssertEqual((plus - minus) / (2 * Double(eps)), analytic, accuracy: 1e-2 * abs(analytic), name)
        }
    }
}
