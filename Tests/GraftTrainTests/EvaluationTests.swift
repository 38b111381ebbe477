import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest

final class EvaluationTests: XCTestCase {
    static let classNames = ["ant", "bee", "cow"]
    static let preprocessing = Preprocessing(channels: 1, inputSize: 32, resizeShorter: 36, mean: [0.5], std: [0.25])
    var root = ""

    /// An ImageFolder of 3 classes × 5 RGB PNGs of assorted sizes.
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("graft-eval-\(UUID())").path
        var generator = RandomGenerator(seed: 11)
        for (c, name) in Self.classNames.enumerated() {
            let folder = root + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for i in 0..<5 {
                let (w, h) = (36 + 7 * i, 40 + 3 * c)
                let pixels = (0..<(w * h * 3)).map { j in UInt8(truncatingIfNeeded: (j / 3 % w) * (c + 1) * 9 + Int(generator.next() % 64)) }
                try Image(width: w, height: h, channels: 3, pixels: pixels).writePNG(to: "\(folder)/\(i).png")
            }
        }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func member(_ name: String, seed: UInt64, preprocessing: Preprocessing = EvaluationTests.preprocessing) throws -> EvaluationMember {
        var generator = RandomGenerator(seed: seed)
        let model = try LeNet5(numClasses: 3)
        for p in model.parameters() {
            p.assign(Tensor(shape: p.shape, data: (0..<p.count).map { _ in Float(generator.nextFloat() - 0.5) * 0.6 }))
        }
        return EvaluationMember(name: name, model: model, preprocessing: preprocessing, classNames: Self.classNames)
    }

    /// Per image, the mean over views of the softmax, one image at a time.
    func direct(_ member: EvaluationMember, _ data: ImageFolder, tta: TTA) throws -> [Float] {
        try (0..<data.count).flatMap { i in
            try classProbabilities(model: member.model, image: data.image(at: i, minimumShorterSide: nil),
                                   preprocessing: member.preprocessing, tta: tta)
        }
    }

    func testOneModelMatchesADirectComputation() throws {
        let data = try ImageFolder(root: root)
        let a = try member("a", seed: 1)
        a.model.train()
        for tta in [TTA.none, .flip] {
            let result = try evaluate([a], on: data, tta: tta, batchSize: 4, workers: 2)
            XCTAssertTrue(a.model.training, "the model's mode is restored")
            a.model.eval()
            let expected = try direct(a, data, tta: tta)
            a.model.train()
            XCTAssertEqual(result.labels, data.labels)
            XCTAssertEqual(result.members.count, 1)
            XCTAssertEqual(result.members[0].name, "a")
            XCTAssertEqual(result.members[0].probabilities.count, expected.count)
            for (got, want) in zip(result.members[0].probabilities, expected) { XCTAssertEqual(got, want, accuracy: 1e-5) }
            let metrics = try ClassificationMetrics(probabilities: expected, labels: data.labels, classNames: Self.classNames)
            XCTAssertEqual(result.members[0].metrics, metrics, tta.rawValue)
            XCTAssertEqual(result.ensemble, metrics, tta.rawValue)
            XCTAssertEqual(result.probabilities, result.members[0].probabilities)
        }
    }

    func testEnsembleAveragesTheMembers() throws {
        let data = try ImageFolder(root: root)
        // Members with different preprocessing see different views of the same images.
        let other = Preprocessing(channels: 3, inputSize: 32, resizeShorter: 40, mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.25])
        let a = try member("a.safetensors", seed: 1)
        let b3 = try EvaluationMember(name: "b.safetensors", model: ThreeChannelLeNet(seed: 2), preprocessing: other, classNames: Self.classNames)
        let result = try evaluate([a, b3], on: data, tta: .tenCrop, batchSize: 6, workers: 2)
        XCTAssertEqual(result.members.map(\.name), ["a.safetensors", "b.safetensors"])
        let (pa, pb) = (result.members[0].probabilities, result.members[1].probabilities)
        XCTAssertNotEqual(pa, pb)
        for (i, (x, y)) in zip(pa, pb).enumerated() { XCTAssertEqual(result.probabilities[i], (x + y) / 2, accuracy: 1e-7) }
        for (member, evaluated) in zip([a, b3], result.members) {
            member.model.eval()
            let expected = try direct(member, data, tta: .tenCrop)
            for (got, want) in zip(evaluated.probabilities, expected) { XCTAssertEqual(got, want, accuracy: 1e-5) }
        }
        XCTAssertEqual(result.ensemble, try ClassificationMetrics(probabilities: result.probabilities, labels: data.labels, classNames: Self.classNames))

        // The misclassified samples are the ensemble's mistakes, with the predicted class's probability.
        var mistakes: [Misclassification] = []
        for i in 0..<data.count {
            let row = Array(result.probabilities[(3 * i)..<(3 * i + 3)])
            let predicted = row.firstIndex(of: row.max()!)!
            if predicted != data.labels[i] {
                mistakes.append(Misclassification(index: i, trueClass: data.labels[i], predictedClass: predicted, probability: row[predicted]))
            }
        }
        XCTAssertEqual(result.misclassified, mistakes)
        XCTAssertEqual(Double(data.count - mistakes.count) / Double(data.count), result.ensemble.top1, accuracy: 1e-12)

        // The same figures without worker threads.
        let serial = try evaluate([a, b3], on: data, tta: .tenCrop, batchSize: 4, workers: 0)
        XCTAssertEqual(serial.ensemble, result.ensemble)
        for (x, y) in zip(serial.probabilities, result.probabilities) { XCTAssertEqual(x, y, accuracy: 1e-6) }
    }

    func testClassMismatchesNameBothSides() throws {
        let data = try ImageFolder(root: root)
        let a = try member("first.safetensors", seed: 1)
        var b = try member("second.safetensors", seed: 2)
        b.classNames = ["ant", "bee", "cat"]
        XCTAssertThrowsError(try evaluate([a, b], on: data)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'first.safetensors'") && text.contains("'second.safetensors'"), text)
            XCTAssertTrue(text.contains("class 2 is 'cow' vs 'cat'"), text)
        }
        XCTAssertThrowsError(try evaluate([b], on: data)) { error in
            XCTAssertTrue("\(error)".contains("model 'second.safetensors' and the data have different classes: class 2 is 'cat' vs 'cow'"), "\(error)")
        }
        b.classNames = ["ant", "bee"]
        XCTAssertThrowsError(try evaluate([b], on: data)) { XCTAssertTrue("\($0)".contains("2 vs 3 classes"), "\($0)") }
        XCTAssertThrowsError(try evaluate([], on: data)) { XCTAssertTrue("\($0)".contains("no model"), "\($0)") }
    }
}

/// LeNet-5 for RGB input: a 3-channel first convolution in front of LeNet-5's 6-channel rest.
final class ThreeChannelLeNet: Module {
    let stem: Conv2d, rest: LeNet5

    init(seed: UInt64) throws {
        stem = try Conv2d(inChannels: 3, outChannels: 1, kernelSize: (1, 1))
        rest = try LeNet5(numClasses: 3)
        super.init()
        var generator = RandomGenerator(seed: seed)
        for p in parameters() {
            p.assign(Tensor(shape: p.shape, data: (0..<p.count).map { _ in Float(generator.nextFloat() - 0.5) * 0.6 }))
        }
    }

    override func forward(_ x: Tensor) throws -> Tensor { try rest(stem(x)) }
}
