import GraftCore
@testable import GraftNN
import XCTest

/// The thin layers over GraftCore's ops: names, modes and that each runs its op.
final class CoreLayerTests: XCTestCase {
    func testLinearHasTorchNamesShapesAndDefaultInitBounds() throws {
        let layer = try Linear(inFeatures: 400, outFeatures: 120)
        XCTAssertEqual(layer.stateDict().map(\.0), ["weight", "bias"])
        XCTAssertEqual(layer.weight.shape, [120, 400])
        let bound = 1 / Float(400).squareRoot()
        XCTAssertTrue(layer.weight.toArray().allSatisfy { abs($0) <= bound })
        XCTAssertTrue(layer.bias!.toArray().allSatisfy { abs($0) <= bound })
        let x = seededTensor([3, 400], seed: 1)
        XCTAssertEqual(try layer(x).toArray(), try linear(x, weight: layer.weight, bias: layer.bias).toArray())
        XCTAssertThrowsError(try Linear(inFeatures: 0, outFeatures: 3))
        XCTAssertEqual(try Linear(inFeatures: 4, outFeatures: 2, bias: false).stateDict().map(\.0), ["weight"])
    }

    func testBatchNormNamesAndModes() throws {
        let bn = BatchNorm2d(3)
        XCTAssertEqual(bn.stateDict().map(\.0), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        let x = seededTensor([4, 3, 5, 5], seed: 2)
        _ = try bn(x)
        let afterTraining = bn.runningMean.toArray()
        XCTAssertNotEqual(afterTraining, [0, 0, 0], "training mode updates the running mean")
        XCTAssertEqual(bn.numBatchesTracked.int64Values, [1])
        bn.eval()
        _ = try bn(x)
        XCTAssertEqual(bn.runningMean.toArray(), afterTraining, "eval mode leaves it")
        XCTAssertEqual(bn.numBatchesTracked.int64Values, [1])
    }

    func testFrozenBatchNormKeepsItsStatisticsBitForBitInTrainingMode() throws {
        let bn = BatchNorm2d(3)
        bn.runningMean.assign(seededTensor([3], seed: 3))
        let mean = bn.runningMean.toArray(), variance = bn.runningVar.toArray()
        bn.freeze()
        XCTAssertTrue(bn.training)
        let x = seededTensor([4, 3, 5, 5], seed: 4)
        x.requiresGrad = true
        try sum(bn(x)).backward()
        XCTAssertEqual(bn.runningMean.toArray(), mean)
        XCTAssertEqual(bn.runningVar.toArray(), variance)
        XCTAssertEqual(bn.numBatchesTracked.int64Values, [0])
        XCTAssertNil(bn.weight!.grad)
        XCTAssertNotNil(x.grad)
    }

    func testDropoutIsTheIdentityInEvalModeAndReproducibleBySeed() throws {
        let x = seededTensor([2, 50], seed: 5)
        let a = Dropout(p: 0.5, generator: RandomGenerator(seed: 9))
        let b = Dropout(p: 0.5, generator: RandomGenerator(seed: 9))
        let ya = try a(x).toArray()
        XCTAssertEqual(ya, try b(x).toArray())
        XCTAssertTrue(ya.contains(0))
        a.eval()
        XCTAssertEqual(try a(x).toArray(), x.toArray())
    }

    func testPoolingActivationAndSoftmaxLayersRunTheirOps() throws {
        let x = seededTensor([2, 3, 7, 7], seed: 6)
        let pairs: [(Module, (Tensor) throws -> Tensor)] = [
            (MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true), { try maxPool2d($0, Pool2dConfig(kernel: (3, 3), stride: (2, 2), ceilMode: true)) }),
            (AvgPool2d(kernelSize: 2, padding: 1, countIncludePad: false),
             { try avgPool2d($0, Pool2dConfig(kernel: (2, 2), padding: (1, 1), countIncludePad: false)) }),
            (AdaptiveAvgPool2d(1), { try adaptiveAvgPool2d($0, outputSize: (1, 1)) }),
            (LocalResponseNorm(size: 5), { try localResponseNorm($0, size: 5) }),
            (ReLU(), relu), (ReLU6(), relu6), (LeakyReLU(negativeSlope: 0.2), { try leakyReLU($0, negativeSlope: 0.2) }),
            (Sigmoid(), sigmoid), (Tanh(), GraftCore.tanh), (Hardswish(), hardswish), (GELU(), gelu),
            (SiLU(), silu), (Hardsigmoid(), hardsigmoid),
            (Softmax(), { try softmax($0) }), (LogSoftmax(), { try logSoftmax($0) }),
        ]
        for (layer, op) in pairs {
            XCTAssertEqual(try layer(x).toArray(), try op(x).toArray(), "\(type(of: layer))")
            XCTAssertTrue(layer.stateDict().isEmpty)
        }
    }

    func testCrossEntropyLossUsesItsWeightsAndSmoothing() throws {
        let logits = seededTensor([4, 3], seed: 7)
        let labels = Tensor(labels: [0, 2, 1, 2])
        let weight = Tensor(shape: [3], data: [1, 2, 0.5])
        let loss = CrossEntropyLoss(weight: weight, labelSmoothing: 0.1)
        XCTAssertEqual(try loss(logits, labels).item,
                       try crossEntropy(logits, labels: labels, weight: weight, labelSmoothing: 0.1).item)
    }
}
