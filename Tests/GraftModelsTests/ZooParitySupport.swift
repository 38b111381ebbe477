import Foundation
import GraftCore
@testable import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

/// Parity of the zoo models with torchvision 0.14, one model at a time.
enum ZooParity {
    /// Not ImageNet's 1000, so that `numClasses` must reach the head to match.
    static let classes = 37

    static func spec(_ name: String) throws -> ModelSpec {
        try ModelZoo.spec(name)
    }

    /// Builds `name` as the zoo does and checks it against torchvision's: the initialisation
    /// statistics of every parameter, the state-dict keys, dtypes and shapes in order, the
    /// spec's head and stages, and the eval-mode logits after loading torchvision's weights.
    /// `size` is the side of the square input batch (299 for Inception-v3).
    static func check(_ name: String, size: Int = 224, file: StaticString = #filePath, line: UInt = #line) throws {
        let start = Date()
        let reference = try TorchReference.generate(model: name, size: size, classes: classes)
        defer { reference.cleanUp() }
        let generated = Date()
        let spec = try spec(name)
        let model = try spec.make(numClasses: classes)
        assertInitialisedLike(reference.stateDict, model, name, file: file, line: line)

        let ours = model.stateDict()
        XCTAssertEqual(ours.map(\.0), reference.keys.map(\.name), "\(name): state-dict keys", file: file, line: line)
        XCTAssertEqual(ours.map(\.1.shape), reference.keys.map(\.shape), "\(name): state-dict shapes", file: file, line: line)
        XCTAssertEqual(ours.map { $0.1.dtype == .int64 ? "int64" : "float32" }, reference.keys.map(\.dtype),
                       "\(name): state-dict dtypes", file: file, line: line)
        assertStages(model, name, classes: classes, file: file, line: line)

        try model.loadStateDict(reference.stateDict, strict: true)
        model.eval()
        let logits = try GradMode.withoutGradients { try model(reference.input) }
        XCTAssertEqual(logits.shape, reference.logitsShape, "\(name): logits shape", file: file, line: line)
        let difference = maxRelativeDifference(logits.toArray(), reference.logits)
        XCTAssertLessThanOrEqual(difference, 1e-4, "\(name): eval logits", file: file, line: line)
        let done = Date()
        print(String(format: "parity %@: %d parameters (%d classes), logits max rel diff %.2e, torchvision reference %.1f s, Graft build+load+forward %.1f s",
                     name, model.parameterCount, classes, difference,
                     generated.timeIntervalSince(start), done.timeIntervalSince(generated)))
    }

    /// Each parameter's statistics against torchvision's freshly initialised tensor of the
    /// same name: mean and standard deviation within sampling error, and the same family of
    /// distribution (a normal's largest |x| exceeds 2.5 σ in a thousand draws, a uniform's
    /// never reaches √3 σ ≈ 1.73 σ). Large tensors are subsampled.
    static func assertInitialisedLike(_ reference: [(String, Tensor)], _ model: Module, _ name: String,
                                      file: StaticString, line: UInt) {
        let torchvision = Dictionary(reference, uniquingKeysWith: { a, _ in a })
        for (key, parameter) in model.namedParameters() {
            guard let theirs = torchvision[key], theirs.shape == parameter.shape else {
                XCTFail("\(name): \(key) missing from torchvision's state dict or shaped differently", file: file, line: line)
                continue
            }
            let a = Moments(parameter.toArray()), b = Moments(theirs.toArray())
            let tolerance = 6 * b.std / Double(b.n).squareRoot() + 1e-7
            XCTAssertEqual(a.mean, b.mean, accuracy: tolerance, "\(name): mean of \(key)", file: file, line: line)
            XCTAssertEqual(a.std, b.std, accuracy: tolerance, "\(name): std of \(key)", file: file, line: line)
            if b.n >= 1000 && b.std > 0 {
                XCTAssertEqual(a.maxAbs > 2.5 * a.std, b.maxAbs > 2.5 * b.std,
                               "\(name): \(key) is drawn from another distribution family (max |x| \(a.maxAbs) vs \(b.maxAbs), std \(a.std) vs \(b.std))",
                               file: file, line: line)
            }
        }
    }

    /// The stages are module paths in order whose parameters partition the model's (those of
    /// auxiliary heads aside), each holding some, and the head is the last stage, with
    /// `classes` outputs.
    static func assertStages(_ model: any TransferModel, _ name: String, classes: Int, file: StaticString, line: UInt) {
        let stages = model.stagePaths
        XCTAssertEqual(stages.count, model.stages.count, "\(name): a stage is no module of the model", file: file, line: line)
        XCTAssertEqual(stages.last, model.headPath, "\(name): the head is the last stage", file: file, line: line)
        XCTAssertEqual(model.auxiliaryHeadPaths.count, model.auxiliaryHeads.count, "\(name): an auxiliary head is no module of the model",
                       file: file, line: line)
        let trunkAndHead = model.namedParameters().filter { p in !model.auxiliaryHeadPaths.contains { p.0.hasPrefix($0 + ".") } }
        let owners = trunkAndHead.map { p in stages.indices.filter { p.0.hasPrefix(stages[$0] + ".") } }
        XCTAssertTrue(owners.allSatisfy { $0.count == 1 }, "\(name): a parameter lies under no stage or several", file: file, line: line)
        let order = owners.compactMap(\.first)
        XCTAssertEqual(order, order.sorted(), "\(name): stages out of parameter order", file: file, line: line)
        XCTAssertEqual(Set(order), Set(stages.indices), "\(name): a stage holds no parameter", file: file, line: line)
        let outputs = (model.head as? Linear)?.outFeatures ?? (model.head as? Conv2d)?.outChannels
        XCTAssertEqual(outputs, classes, "\(name): head \(model.headPath)", file: file, line: line)
    }

    /// Mean, standard deviation and largest magnitude of at most about 100 000 evenly spaced
    /// elements of `values`.
    struct Moments {
        let n: Int, mean: Double, std: Double, maxAbs: Double

        init(_ values: [Float]) {
            let step = max(1, values.count / 100_000)
            var count = 0, sum = 0.0, squares = 0.0, largest = 0.0
            for i in stride(from: 0, to: values.count, by: step) {
                let v = Double(values[i])
                count += 1; sum += v; squares += v * v; largest = max(largest, abs(v))
            }
            n = count
            mean = sum / Double(count)
            std = max(0, squares / Double(count) - mean * mean).squareRoot()
            maxAbs = largest
        }
    }
}
