import GraftCore
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class CompiledTrunkTests: XCTestCase {
    /// A trunk runs compiled exactly when it trains nothing: ResNet-18 under `--freeze head`
    /// yes; with its last stage training, or GoogLeNet (auxiliary heads), or EfficientNet-B0
    /// (stochastic depth in training mode in the trunk), no.
    func testTrunkRunsAsInferenceOnlyWhenItTrainsNothing() throws {
        func decided(_ name: String, _ policy: FreezePolicy) throws -> Bool {
            let spec = try ModelZoo.spec(name)
            let model = try spec.make(numClasses: 10)
            _ = try policy.apply(to: model, spec: spec)
            setTrainingMode(model)
            return trunkRunsAsInference(model)
        }
        XCTAssertTrue(try decided("resnet18", .head))
        XCTAssertFalse(try decided("resnet18", .last(1)))
        XCTAssertFalse(try decided("googlenet", .head))
        XCTAssertFalse(try decided("efficientnet_b0", .head))
    }

    /// Under `--freeze head` the head trained on the compiled trunk's output gets the logits and
    /// gradients eager training gives.
    func testHeadOnCompiledTrunkMatchesEagerTraining() throws {
        GlobalRandom.seed(3)
        let spec = try ModelZoo.spec("resnet18")
        let model = try spec.make(numClasses: 5)
        _ = try FreezePolicy.head.apply(to: model, spec: spec)
        setTrainingMode(model)
        XCTAssertTrue(trunkRunsAsInference(model))
        var generator = RandomGenerator(seed: 1)
        let x = Tensor(shape: [2, 3, 64, 64], data: (0..<(2 * 3 * 64 * 64)).map { _ in generator.nextNormal() })
        let labels = Tensor(labels: [1, 4])
        func step(_ forward: () throws -> Tensor) throws -> ([Float], [Float]) {
            model.zeroGrad()
            let logits = try forward()
            try crossEntropy(logits, labels: labels).backward()
            return (logits.toArray(), try XCTUnwrap(model.head.parameters().first?.grad).toArray())
        }
        let eager = try step { try model(x) }
        let trunk = CompiledInference(model, forward: model.forwardFeatures)
        let compiled = try step { try model.forwardHead(trunk(x)) }
        for (a, b) in [(compiled.0, eager.0), (compiled.1, eager.1)] {
            let largest = b.map(abs).max() ?? 0
            XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max() ?? .infinity, 1e-4 * largest)
        }
    }
}
