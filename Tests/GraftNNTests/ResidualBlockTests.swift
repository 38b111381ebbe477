import GraftCore
@testable import GraftNN
import XCTest

/// conv-bn-relu-conv-bn + identity, relu: torchvision's BasicBlock without downsampling.
final class ResidualBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d

    init(channels: Int) throws {
        conv1 = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false)
        bn1 = BatchNorm2d(channels)
        conv2 = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(channels)
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let h = try relu(bn1(conv1(x)))
        return try relu(add(bn2(conv2(h)), x))
    }
}

final class ResidualBlockTests: XCTestCase {
    func testStateDictNamesAreTorchvisions() throws {
        let block = try ResidualBlock(channels: 4)
        XCTAssertEqual(block.stateDict().map(\.0), [
            "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
            "conv2.weight", "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var", "bn2.num_batches_tracked",
        ])
    }

    func testParameterGradientsMatchFiniteDifferences() throws {
        GlobalRandom.seed(3)
        let block = try ResidualBlock(channels: 3)
        // Non-trivial BN affine parameters so every path matters.
        block.bn1.weight!.assign(seededTensor([3], seed: 1)); block.bn2.bias!.assign(seededTensor([3], seed: 2))
        let x = seededTensor([2, 3, 5, 5], seed: 4)
        let probe = seededTensor([2, 3, 5, 5], seed: 5).toArray()
        func loss() throws -> Double {
            let y = try GradMode.withoutGradients { try block(x) }.toArray()
            return zip(y, probe).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        block.zeroGrad()
        try block(x).backward(gradient: Tensor(shape: [2, 3, 5, 5], data: probe))
        func centralDifference(_ p: Tensor, _ i: Int, _ eps: Float) throws -> Double {
            let original = p.withUnsafeMutableFloats { $0[i] }
            p.withUnsafeMutableFloats { $0[i] = original + eps }
            let plus = try loss()
            p.withUnsafeMutableFloats { $0[i] = original - eps }
            let minus = try loss()
            p.withUnsafeMutableFloats { $0[i] = original }
            return (plus - minus) / (2 * Double(eps))
        }
        // ReLU is not differentiable at 0: where a step crosses a kink the two step sizes
        // disagree, and that coordinate says nothing about the gradient. Few may do so.
        var checked = 0, atKinks = 0
        for (name, p) in block.namedParameters() {
            let analytic = try XCTUnwrap(p.grad, name).toArray()
            for i in stride(from: 0, to: p.count, by: max(1, p.count / 12)) {
                let coarse = try centralDifference(p, i, 1e-3), fine = try centralDifference(p, i, 5e-4)
                let tolerance = 2e-2 * max(1, abs(fine))
                if abs(coarse - fine) > tolerance { atKinks += 1; continue }
                checked += 1
                XCTAssertEqual(Double(analytic[i]), fine, accuracy: tolerance, "\(name)[\(i)]")
            }
        }
        XCTAssertLessThanOrEqual(atKinks * 10, checked, "\(atKinks) of \(checked + atKinks) coordinates sat on a ReLU kink")
    }

    func testTrainsToFitABatch() throws {
        GlobalRandom.seed(7)
        let block = try ResidualBlock(channels: 4)
        let head = try Linear(inFeatures: 4 * 6 * 6, outFeatures: 3)
        let x = seededTensor([8, 4, 6, 6], seed: 8)
        let labels = Tensor(labels: [0, 1, 2, 0, 1, 2, 0, 1])
        let optimizer = try SGD(parameters: block.parameters() + head.parameters(), lr: 0.05, momentum: 0.9)
        var losses: [Float] = []
        for _ in 0..<30 {
            let loss = try crossEntropy(head(block(x).flattened()), labels: labels)
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            losses.append(loss.item)
        }
        XCTAssertLessThan(losses.last!, 0.1 * losses.first!, "losses \(losses)")
        XCTAssertNotEqual(block.bn1.runningMean.toArray(), [0, 0, 0, 0], "running statistics moved")
    }
}
