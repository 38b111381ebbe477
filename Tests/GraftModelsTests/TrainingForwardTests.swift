import GraftCore
@testable import GraftModels
import GraftNN
import GraftTestSupport
import XCTest

final class TrainingForwardTests: XCTestCase {
    private func input(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919) % 101) / 50 - 1 })
    }

    /// Three SGD steps of two copies of `name` (same seed, training mode), one eager and one
    /// through `TrainingForward` (traced on the first step, interpreted on the others): the same
    /// loss and gradients at every step, and the same state (weights, running statistics, steps
    /// counted) after them, within 1e-5 relative.
    private func assertTrainsAsEager(_ name: String, side: Int = 32, file: StaticString = #filePath, line: UInt = #line) throws {
        let spec = try ModelZoo.spec(name)
        GlobalRandom.seed(11)
        let eager = try spec.make(numClasses: 5)
        GlobalRandom.seed(11)
        let model = try spec.make(numClasses: 5)
        let forward = TrainingForward(model)
        let x = input([2, 3, side, side]), labels = Tensor(labels: [1, 3])
        let optimizers = try [eager, model].map { try SGD(parameters: $0.parameters(), lr: 0.01, momentum: 0.9) }
        for step in 0..<3 {
            let losses = try [eager(x), forward(x)].enumerated().map { k, logits in
                optimizers[k].zeroGrad()
                let loss = try crossEntropy(logits, labels: labels)
                try loss.backward()
                return loss.item
            }
            XCTAssertEqual(forward.lastRun, step == 0 ? .traced : .interpreted, "\(name) step \(step)", file: file, line: line)
            XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(name) step \(step): losses \(losses)", file: file, line: line)
            XCTAssertEqual(losses[1], losses[0], accuracy: 1e-5 * abs(losses[0]), "\(name) step \(step): loss", file: file, line: line)
            for ((key, a), (_, b)) in zip(model.namedParameters(), eager.namedParameters()) {
                let (ga, gb) = (try XCTUnwrap(a.grad, file: file, line: line), try XCTUnwrap(b.grad, file: file, line: line))
                XCTAssertTrue(gb.toArray().allSatisfy(\.isFinite), "\(name) step \(step): \(key)'s eager gradient", file: file, line: line)
                XCTAssertLessThanOrEqual(maxRelativeDifference(ga.toArray(), gb.toArray()), 1e-5,
                                         "\(name) step \(step): \(key)'s gradient", file: file, line: line)
            }
            for optimizer in optimizers { try optimizer.step() }
        }
        for ((key, a), (_, b)) in zip(model.stateDict(), eager.stateDict()) {
            if a.dtype == .int64 {
                XCTAssertEqual(a.int64Values, b.int64Values, "\(name): \(key)", file: file, line: line)
            } else {
                XCTAssertLessThanOrEqual(maxRelativeDifference(a.toArray(), b.toArray()), 1e-5, "\(name): \(key)", file: file, line: line)
            }
        }
    }

    /// ResNet-18 (batch norms on batch statistics, each but the blocks' last followed by a ReLU).
    func testResNet18TrainsAsEager() throws {
        try assertTrainsAsEager("resnet18")
    }

    /// MobileNet-v2 (ReLU6 after its batch norms, dropout before the head: the same masks), at
    /// 64×64 so that its last batch norms see more than two values per channel.
    func testMobileNetV2TrainsAsEager() throws {
        try assertTrainsAsEager("mobilenet_v2", side: 64)
    }

    /// A training step of ResNet-18 through the interpreted graph runs the nine ReLUs that
    /// follow a batch norm inside it: only the eight after the residual sums run as ReLUs, forward
    /// and backward, against seventeen eagerly. The tracing step runs the eager forward (17) and
    /// then the graph (8), and differentiates the graph's.
    func testResNet18FusesBatchNormAndReLU() throws {
        GlobalRandom.seed(12)
        let model = try ResNet.resnet18(numClasses: 5)
        let forward = TrainingForward(model)
        let x = input([2, 3, 32, 32])
        func step() throws -> [String: Int] {
            Engine.shared.resetExecutionCounts()
            try crossEntropy(forward(x), labels: Tensor(labels: [0, 1])).backward()
            return Engine.shared.executionCounts
        }
        let traced = try step()
        XCTAssertEqual(traced["relu.forward"], 17 + 8)
        XCTAssertEqual(traced["relu.backward"], 8)
        let interpreted = try step()
        XCTAssertEqual(forward.lastRun, .interpreted)
        XCTAssertEqual(interpreted["relu.forward"], 8)
        XCTAssertEqual(interpreted["relu.backward"], 8)
        XCTAssertEqual(interpreted["batch_norm.forward"].map { 2 * $0 }, traced["batch_norm.forward"])
    }

    /// A change to what the graph depends on (a frozen parameter, a module's mode) traces again;
    /// a new input shape has its own graph.
    func testChangedStateOrShapeTracesAgain() throws {
        GlobalRandom.seed(13)
        let model = try SmallResidual()
        let forward = TrainingForward(model)
        let x = input([2, 3, 8, 8])
        var runs: [TrainingForward.Run?] = []
        for change in [{}, {}, { model.conv.weight.requiresGrad = false }, {}, { model.bn.eval() }, {}] {
            change()
            _ = try forward(x)
            runs.append(forward.lastRun)
        }
        _ = try forward(input([3, 3, 8, 8]))
        runs.append(forward.lastRun)
        XCTAssertEqual(runs, [.traced, .interpreted, .traced, .interpreted, .traced, .interpreted, .traced])
    }

    /// A forward the graph cannot describe (it makes a tensor from an activation's data) runs
    /// eagerly on later calls, with the eager result.
    func testForwardTheGraphCannotDescribeRunsEagerly() throws {
        GlobalRandom.seed(14)
        let model = try DataDependent()
        let forward = TrainingForward(model)
        let x = input([2, 3, 8, 8])
        let first = try forward(x).toArray()
        XCTAssertEqual(forward.lastRun, .traced)
        let second = try forward(x).toArray()
        XCTAssertEqual(forward.lastRun, .eager)
        XCTAssertEqual(second, try model(x).toArray())
        XCTAssertEqual(first, second)
    }
}

/// A convolution whose output is copied through its values before a ReLU.
private final class DataDependent: Module {
    let conv: Conv2d

    init(channels: Int = 3) throws {
        conv = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 1)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let y = try conv(x)
        return try relu(Tensor(shape: y.shape, data: y.toArray()))
    }
}
