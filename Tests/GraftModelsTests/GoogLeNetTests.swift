import XCTest
import GraftCore
import GraftNN
@testable import GraftModels
import GraftTestSupport

final class GoogLeNetTests: XCTestCase {
    /// Keys, shapes, initialisation and eval-mode logits against torchvision's googlenet.
    func testMatchesTorchvision() throws {
        let ref = try TorchReference.generate(model: "googlenet")
        defer { ref.cleanUp() }
        let model = try GoogLeNet()
        assertSameStateDictLayout(model, ref.keys)
        assertSameInitialisation(model, ref.stateDict)
        try model.loadStateDict(ref.stateDict)
        model.eval()
        let logits = try model(ref.input)
        XCTAssertEqual(logits.shape, ref.logitsShape)
        XCTAssertLessThan(maxRelativeDifference(logits.toArray(), ref.logits), 1e-4)
    }

    /// One SGD step (lr 0.01, momentum 0.9) in training mode on CE(main) + 0.3·(CE(aux1) + CE(aux2)),
    /// dropout off on both sides.
    ///
    /// float32 cannot reproduce this step's lower layers to 1e-4: where two values of a max-pool
    /// window, or a ReLU input and 0, lie closer than rounding error, the gradient takes another
    /// path. torch itself disagrees with its float64 run by up to 18 % (max) and 4.4 % (L2) on
    /// single updates, and with its own 1-thread run by 7.7 % and 1.8 %. So the test asserts 1e-4
    /// where float32 allows it (the loss; the BatchNorm running statistics, which the train-mode
    /// forward of every layer sets; the classifiers' last layers, after which only the loss
    /// follows) and, for every other parameter, an update within 10 % in L2 of torch's.
    func testTrainStepWithAuxiliaryHeadsMatchesTorchvision() throws {
        let ref = try TorchReference.generate(model: "googlenet", trainStep: true)
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

        let initial = Dictionary(uniqueKeysWithValues: ref.stateDict.filter { $0.1.dtype == .float32 }.map { ($0.0, $0.1.toArray()) })
        let trained = try XCTUnwrap(ref.trained)
        XCTAssertEqual(model.stateDict().map(\.0), trained.map(\.0))
        let lastLayers: Set<String> = ["fc.weight", "fc.bias", "aux1.fc2.weight", "aux1.fc2.bias", "aux2.fc2.weight", "aux2.fc2.bias"]
        for ((name, mine), (_, theirs)) in zip(model.stateDict(), trained) where theirs.dtype == .float32 {
            let (ours, torchValues, start) = (mine.toArray(), theirs.toArray(), initial[name]!)
            let ourStep = zip(ours, start).map { $0 - $1 }, torchStep = zip(torchValues, start).map { $0 - $1 }
            let isStatistic = name.hasSuffix(".running_mean") || name.hasSuffix(".running_var")
            if isStatistic || lastLayers.contains(name) {
                XCTAssertLessThan(maxRelativeDifference(ours, torchValues), 1e-4, "\(name) after the step")
            }
            if lastLayers.contains(name) {
                XCTAssertLessThan(maxRelativeDifference(ourStep, torchStep), 1e-3, "update of \(name)")
            } else if !isStatistic {
                let norm = torchStep.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                let error = zip(ourStep, torchStep).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
                XCTAssertLessThan(error, 0.1 * norm, "update of \(name), L2")
            }
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
