import Foundation
import GraftCore
import GraftIO
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// A diverged run (NaN or infinite numbers) is wrong, stops, and traps nowhere (issue 13, defect 2).
final class NonFiniteTests: XCTestCase {
    /// A NaN or infinite logit makes a sample wrong in validation (a NaN target once ranked first).
    func testNonFiniteLogitsAreWrongInValidation() throws {
        var score = ValidationAccumulator()
        let logits = Tensor(shape: [4, 3], data: [.nan, .nan, .nan, 0, .infinity, 0, 1, .nan, 0, 2, 0, 1])
        try score.add(logits: logits, labels: Tensor(labels: [0, 1, 0, 0]))
        XCTAssertEqual(score.result.top1, 0.25)
        XCTAssertEqual(score.result.top5, 0.25)
        XCTAssertEqual(argmaxRows([.nan, 1, 0, 3, -.infinity, 0], classes: 2), [nil, 1, nil])
    }

    /// The same in the metrics of `evaluate` and the report: wrong for top-1 and top-5, in
    /// its class's support, in no column of the confusion matrix.
    func testNonFiniteProbabilitiesAreWrongInMetrics() throws {
        let m = try ClassificationMetrics(probabilities: [.nan, .nan, .nan, 0.2, 0.5, 0.3], labels: [0, 1], classNames: ["a", "b", "c"])
        XCTAssertEqual(m.top1, 0.5)
        XCTAssertEqual(m.top5, 0.5)
        XCTAssertEqual(m.confusion, [[0, 0, 0], [0, 1, 0], [0, 0, 0]])
        XCTAssertEqual(m.perClass.map(\.support), [1, 1, 0])
        XCTAssertEqual(m.perClass.map(\.recall), [0, 1, 0])
    }

    /// A prediction from a diverged model prints and encodes its NaNs instead of trapping.
    func testNonFinitePredictionsPrintAndEncode() throws {
        let top = topClasses([.nan, 1, 2], k: 2)
        XCTAssertEqual(top.map(\.0), [0, 1])
        XCTAssertTrue(top.allSatisfy { $0.1.isNaN })
        let p = Prediction(path: "a/b.png", top: top.map { ClassScore(index: $0.0, label: nil, probability: $0.1) }, logits: [.nan, 1, .infinity])
        let line = p.jsonLine(includeLogits: true)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(line.utf8)), line)
        XCTAssertTrue(line.contains(#""probability":"nan""#) && line.contains(#""logits":["nan",1,"inf"]"#), line)
        XCTAssertTrue(line.contains(#""path":"a/b.png""#), line)
        XCTAssertTrue(p.table.contains("nan"), p.table)
        let record = EpochRecord(epoch: 1, trainLoss: .nan, trainTop1: 0, valLoss: .infinity, learningRate: 10, seconds: 1, imagesPerSecond: 1)
        XCTAssertTrue(jsonLine(event: "epoch", record).contains(#""train_loss":"nan""#), jsonLine(event: "epoch", record))
    }

    /// Charts and the report take any finite values, however extreme, and leave out the rest.
    func testChartsAndReportTakeExtremeValues() throws {
        for (lo, hi) in [(0, 5e-324), (0, Double.greatestFiniteMagnitude), (1e308, 1e308), (2.3, 3.4e38)] {
            let ticks = niceTicks(lo, hi, limits: 0...Double.greatestFiniteMagnitude)
            XCTAssertTrue(ticks.count >= 2 && ticks.allSatisfy(\.isFinite), "\(lo)…\(hi): \(ticks)")
            let chart = LineChartSVG(title: "Loss", yLabel: "loss", series: [.init(name: "t", color: "#000", points: [(1, lo), (2, hi)])],
                                     yLimits: 0...Double.greatestFiniteMagnitude)
            XCTAssertTrue(chart.svg().hasSuffix("</svg>"))
        }
        let epochs = [EpochRecord(epoch: 1, trainLoss: 3.4e38, trainTop1: .nan, valLoss: .nan, valTop1: 0, learningRate: 10, seconds: 1, imagesPerSecond: .infinity),
                      EpochRecord(epoch: 2, trainLoss: .infinity, trainTop1: 0.1, valLoss: 1e-320, valTop1: .nan, learningRate: 10, seconds: .nan, imagesPerSecond: 0)]
        XCTAssertTrue(try TrainingReportPage(title: "diverged", epochs: epochs).html().contains("Training curves"))
    }

    /// `stop` throws naming the epoch, the step and the likely cause; `skip` counts the step.
    func testStopOrSkipANonFiniteStep() throws {
        var stop = NonFiniteSteps(.stop)
        XCTAssertTrue(try stop.admits(loss: 2.3, epoch: 2, step: 3, steps: 7, learningRate: 10))
        XCTAssertThrowsError(try stop.admits(loss: .nan, epoch: 2, step: 3, steps: 7, learningRate: 10)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("the loss is NaN at epoch 2, step 3 of 7") && text.contains("`learningRate`") && text.contains("`nonfinite` skip"), text)
        }
        var skip = NonFiniteSteps(.skip)
        XCTAssertFalse(try skip.admits(loss: -.infinity, epoch: 1, step: 1, steps: 1, learningRate: 1))
        let weight = Tensor(shape: [2], data: [1, 2])
        weight.grad = Tensor(shape: [2], data: [0, 1])
        XCTAssertTrue(skip.admits(gradientsOf: [weight, Tensor(shape: [1], data: [0])]))
        weight.grad = Tensor(shape: [2], data: [.nan, 1])
        XCTAssertFalse(skip.admits(gradientsOf: [weight]))
        XCTAssertEqual(skip.skipped, 2)
        skip.beginEpoch()
        XCTAssertEqual(skip.skipped, 0)
    }

    /// A run whose loss turns NaN (weights holding a NaN: deterministic divergence) stops at
    /// epoch 1, step 1 under either policy, on images and on the feature cache, and writes no
    /// checkpoint (it once saved an all-NaN best.safetensors with "val 100.00%").
    func testADivergedRunStopsWithoutACheckpoint() throws {
        let data = try makeSplitImageFolder(train: 6)
        let scratch = try temporaryFolder("diverged")
        defer { for path in [data, scratch] { try? FileManager.default.removeItem(atPath: path) } }
        let model = try ModelZoo.spec("lenet5").make(numClasses: 10)
        let weights = scratch + "/nan.safetensors"
        for (_, t) in model.stateDict() { t.assign(Tensor(repeating: .nan, shape: t.shape)) }
        try saveWeights(model, to: weights)
        for (freeze, policy) in [("none", NonFinitePolicy.stop), ("head", .stop), ("none", .skip)] {
            var o = TransferOptions(model: "lenet5", data: data)
            o.out = scratch + "/run-\(freeze)-\(policy)"; o.weights = weights; o.freeze = try FreezePolicy(flag: freeze); o.nonfinite = policy
            o.workers = 1; o.cacheDirectory = scratch + "/cache"; o.epochs = 2
            XCTAssertThrowsError(try runTransferTraining(o, reporter: StepCountingReporter())) { error in
                XCTAssertTrue(error is DivergedTrainingError, "\(error)")
                XCTAssertTrue("\(error)".contains("epoch 1"), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: RunFiles(o.out).best), "\(freeze) \(policy)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: RunFiles(o.out).last), "\(freeze) \(policy)")
        }
    }
}
