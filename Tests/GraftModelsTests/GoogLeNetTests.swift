import XCTest
import GraftCore
import GraftNN
@testable import GraftModels
import GraftTestSupport

final class GoogLeNetTests: XCTestCase {
    /// Keys, shapes, initialisation and eval-mode logits against torchvision's googlenet.
    func testMatchesTorchvision() throws {
        try ZooParity.check("googlenet")
    }

    /// One SGD step (lr 0.01, momentum 0.9) in training mode on CE(main) + 0.3·(CE(aux1) + CE(aux2)),
    /// dropout off on both sides, gives torchvision's loss, BatchNorm statistics and updated weights.
    ///
    /// The batch is 2×3×64×64. At 224×224 the step has about a million max-pool windows, and in a
    /// few of them two values lie closer than float32 rounding: the gradient then takes another
    /// path in the lower layers (torch disagrees with its own float64 and 1-thread runs there by
    /// several per cent). At 64×64 no window is that close and every tensor matches within 1e-4
    /// relative — except the BatchNorm biases: they start at 0, so their updated values are
    /// −lr·gradient and "relative" there means the gradient's own float32 error (≤ 2e-4).
    func testTrainStepWithAuxiliaryHeadsMatchesTorchvision() throws {
        let ref = try TorchReference.generate(model: "googlenet", size: 64, trainStep: true)
        defer { ref.cleanUp() }
        let model = try GoogLeNet(dropout: 0, auxiliaryDropout: 0)
        try model.loadStateDict(ref.stateDict)
        model.train()
        let optimizer = try SGD(parameters: model.parameters(), lr: 0.01, momentum: 0.9)
        let labels = Tensor(labels: [0, 1])
        let (logits, auxiliary) = try model.forwardWithAuxiliary(ref.input)
        XCTAssertEqual(auxiliary.map(\.shape), [[2, 1000], [2, 1000]])
        var loss = try crossEntropy(logits, labels: labels)
        for aux in auxiliary { loss = try loss + scale(crossEntropy(aux, labels: labels), by: 0.3) }
        let torchLoss = try XCTUnwrap(ref.loss)
        XCTAssertEqual(loss.item, torchLoss, accuracy: 1e-4 * abs(torchLoss))
        optimizer.zeroGrad()
        try loss.backward()
        try optimizer.step()

        let trained = try XCTUnwrap(ref.trained)
        XCTAssertEqual(model.stateDict().map(\.0), trained.map(\.0))
        for ((name, mine), (_, theirs)) in zip(model.stateDict(), trained) where theirs.dtype == .float32 {
            let tolerance: Float = name.hasSuffix(".bn.bias") ? 2e-4 : 1e-4
            XCTAssertLessThan(maxRelativeDifference(mine.toArray(), theirs.toArray()), tolerance, "\(name) after the step")
        }
    }

    /// `forward` gives the main logits in both modes; auxiliaries come only in training mode,
    /// aux1 (after inception4a) first.
    func testAuxiliaryOutputsOnlyInTraining() throws {
        let model = try GoogLeNet(numClasses: 7, dropout: 0, auxiliaryDropout: 0)
        let x = Tensor(shape: [2, 3, 96, 96], data: (0..<(2 * 3 * 96 * 96)).map { Float($0 % 17) / 17 - 0.5 })
        model.train()
        let (main, aux) = try model.forwardWithAuxiliary(x)
        XCTAssertEqual(aux.count, 2)
        XCTAssertEqual(try model(x).toArray(), main.toArray())
        let inception4a = try model.inception4a(model.maxpool3(model.inception3b(model.inception3a(
            model.maxpool2(model.conv3(model.conv2(model.maxpool1(model.conv1(x)))))))))
        XCTAssertEqual(try model.aux1!(inception4a).toArray(), aux[0].toArray())
        model.eval()
        let (evalMain, evalAux) = try model.forwardWithAuxiliary(x)
        XCTAssertTrue(evalAux.isEmpty)
        XCTAssertEqual(evalMain.shape, [2, 7])
        XCTAssertEqual(try model(x).toArray(), evalMain.toArray())
    }

    /// Without auxiliary classifiers there are no aux keys, and the parameter count is
    /// torchvision's published 6,624,904 for its ImageNet GoogLeNet.
    func testWithoutAuxiliaryClassifiers() throws {
        let model = try GoogLeNet(auxiliaryClassifiers: false)
        XCTAssertEqual(model.parameterCount, 6_624_904)
        XCTAssertFalse(model.stateDict().contains { $0.0.hasPrefix("aux") })
        model.train()
        XCTAssertTrue(try model.forwardWithAuxiliary(Tensor.zeros([1, 3, 64, 64])).auxiliary.isEmpty)
    }

    /// transform_input: x · (std/0.5) + (mean − 0.5)/0.5 per channel, then the same network.
    func testTransformInputMatchesTorchvisionFormula() throws {
        let x = Tensor(shape: [2, 3, 4, 5], data: (0..<120).map { Float($0) / 60 - 1 })
        let mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225]
        let expected = x.toArray().enumerated().map { i, v -> Double in
            let c = (i / 20) % 3
            return Double(Float(v) * Float(std[c] / 0.5) + Float((mean[c] - 0.5) / 0.5))
        }
        let y = try torchvisionTransformInput(x).toArray()
        for (a, e) in zip(y, expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-6) }
        XCTAssertThrowsError(try torchvisionTransformInput(Tensor.zeros([1, 1, 4, 4])))

        let plain = try GoogLeNet(numClasses: 5, dropout: 0, auxiliaryDropout: 0)
        let transforming = try GoogLeNet(numClasses: 5, transformInput: true, dropout: 0, auxiliaryDropout: 0)
        try transforming.loadStateDict(plain.stateDict())
        plain.train(); transforming.train()  // batch statistics: the logits depend on the input
        let image = Tensor(shape: [2, 3, 64, 64], data: (0..<(2 * 3 * 64 * 64)).map { Float(($0 * 7919) % 101) / 50 - 1 })
        XCTAssertLessThan(maxRelativeDifference(try transforming(image).toArray(),
                                                try plain(torchvisionTransformInput(image)).toArray()), 1e-5)
    }
}
