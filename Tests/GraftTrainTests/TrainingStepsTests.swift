import Foundation
import GraftCore
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest
import GraftTestSupport

/// The typed training options and each named step of a training run, on its own.
final class TrainingStepsTests: XCTestCase {
    /// Validation throws a `TrainingOptionError` naming the option at fault, in option names.
    func testValidationNamesTheOption() throws {
        let data = FileManager.default.temporaryDirectory.path
        let cases: [(TrainingOption, (inout TransferOptions) -> Void)] = [
            (.model, { $0.model = "resnet9000" }), (.imageSize, { $0.imageSize = 3 }),
            (.learningRate, { $0.learningRate = -1 }), (.freeze, { $0.freeze = .last(99) }),
            (.data, { $0.data = "/nonexistent-graft-data" }), (.bnMomentum, { $0.bnMomentum = 2 }),
            (.resumeWithChanges, { $0.resumeWithChanges = true }),
        ]
        for (option, change) in cases {
            var o = TransferOptions(model: "lenet5", data: data)
            o.out = data + "/graft-never-\(UUID())"
            change(&o)
            XCTAssertThrowsError(try o.validate(), option.rawValue) { error in
                XCTAssertEqual((error as? TrainingOptionError)?.option, option, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix("`\(option.rawValue)` "), "\(error)")
                XCTAssertFalse("\(error)".contains("--"), "\(error)")
            }
        }
    }

    /// The recipe writes the enums as the strings earlier checkpoints hold.
    func testRecipeKeepsTheStringsOfEarlierCheckpoints() {
        var o = TransferOptions(model: "lenet5", data: "/d")
        o.optimizer = .adamw; o.schedule = .cosine; o.classWeights = .balanced; o.hidden = [16, 8]
        let r = recipe(o)
        XCTAssertEqual(r["optimizer"], "adamw")
        XCTAssertEqual(r["schedule"], "cosine")
        XCTAssertEqual(r["class-weights"], "balanced")
        XCTAssertEqual(r["freeze"], "none")
        XCTAssertEqual(r["precision"], "fp32")
        XCTAssertEqual(r["nonfinite"], "stop")
        XCTAssertEqual(r["hidden"], "16,8")
        o.weights = "/w.pth"
        XCTAssertEqual(recipe(o)["freeze"], "head")
        o.freeze = .last(2)
        XCTAssertEqual(recipe(o)["freeze"], "last:2")
        XCTAssertEqual(TrainingOption(recipeKey: "batch-size"), .batchSize)
        XCTAssertEqual(TrainingOption.lrFactor.recipeKey, "lr-factor")
    }

    /// The model, plan, session, loop and finish steps, each checked after it runs.
    func testEachStepOfARun() throws {
        let data = try makeSplitImageFolder(train: 8)
        let out = try temporaryFolder("steps-each")
        defer { for path in [data, out] { try? FileManager.default.removeItem(atPath: path) } }
        var o = TransferOptions(model: "lenet5", data: data)
        o.out = out + "/run"; o.epochs = 2; o.batchSize = 4; o.workers = 1; o.schedule = .step; o.optimizer = .sgd
        try o.validate()
        let reporter = StepCountingReporter()
        let trainingData = try TrainingData(o)

        let model = try buildTrainingModel(o, classNames: trainingData.classNames, store: try unavailableStore(), reporter: reporter)
        XCTAssertEqual(model.weights.origin, .random(asked: false))
        XCTAssertEqual(model.policy, FreezePolicy.none)
        XCTAssertEqual(model.head.classes, trainingData.classNames.count)
        XCTAssertEqual(model.module.trainableParameterCount, model.module.parameterCount)

        var plan = try makeTrainingPlan(o, model: model, data: trainingData, reporter: reporter)
        XCTAssertTrue(plan.optimizer is SGD)
        XCTAssertNotNil(plan.scheduler)
        XCTAssertNil(plan.classWeights)
        XCTAssertEqual(plan.progress.epoch, 0)
        XCTAssertEqual(plan.recipe["optimizer"], "sgd")
        XCTAssertFalse(FileManager.default.fileExists(atPath: o.out), "the plan writes nothing")

        let session = try openRunSession(o, model: model, plan: plan, data: trainingData, reporter: reporter)
        XCTAssertFalse(session.cached)
        XCTAssertTrue(FileManager.default.fileExists(atPath: o.out))

        let loop = try trainEpochs(o, model: model, plan: &plan, session: session, data: trainingData, reporter: reporter)
        XCTAssertFalse(loop.stoppedEarly)
        XCTAssertEqual(plan.progress.epoch, 2)
        XCTAssertEqual(plan.progress.history.map(\.epoch), [1, 2])
        XCTAssertTrue(FileManager.default.fileExists(atPath: plan.files.last))

        let summary = try finishRun(o, model: model, plan: plan, session: session, loop: loop, data: trainingData,
                                    reporter: reporter, seconds: 1)
        XCTAssertEqual(summary.epochs, 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary.report))
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary.checkpoint))
    }
}
