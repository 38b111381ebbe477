import GraftCore
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class FrozenPartTrainingTests: XCTestCase {
    /// Under a freeze policy the frozen part of a training step runs compiled and the step gives
    /// eager training's loss and gradients: ResNet-18 with its last stage training, MobileNet-v2
    /// with only its head training (its classifier's dropout draws between trunk and head).
    func testFrozenPartRunsCompiledAndTrainsAsEagerDoes() throws {
        for (name, policy) in [("resnet18", FreezePolicy.last(1)), ("mobilenet_v2", .head)] {
            GlobalRandom.seed(5)
            let spec = try ModelZoo.spec(name)
            let model = try spec.make(numClasses: 5)
            _ = try policy.apply(to: model, spec: spec)
            setTrainingMode(model)
            var generator = RandomGenerator(seed: 1)
            let x = Tensor(shape: [2, 3, 64, 64], data: (0..<(2 * 3 * 64 * 64)).map { _ in generator.nextNormal() })
            let labels = Tensor(labels: [1, 4])
            let trained = model.namedParameters().filter { $0.1.requiresGrad }
            let dropouts = model.namedModules().compactMap { $0.1 as? Dropout }
            func step(_ forward: (Tensor) throws -> Tensor) throws -> [[Float]] {
                for d in dropouts { d.generator = RandomGenerator(seed: 9) }
                model.zeroGrad()
                let loss = try crossEntropy(forward(x), labels: labels)
                try loss.backward()
                return [[loss.item]] + (try trained.map { try XCTUnwrap($0.1.grad, $0.0).toArray() })
            }
            let eager = try step { try model($0) }
            let compiled = TrainingForward(model)
            _ = try step { try compiled($0) }   // traces
            XCTAssertNotNil(compiled.frozenPart, name)
            let interpreted = try step { try compiled($0) }
            XCTAssertEqual(compiled.lastRun, .interpreted)
            for (a, b) in zip(interpreted, eager) {
                let largest = b.map(abs).max() ?? 0
                XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max() ?? .infinity, 1e-4 * largest, name)
            }
        }
    }
}
