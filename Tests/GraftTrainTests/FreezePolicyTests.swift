import Foundation
import GraftCore
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class FreezePolicyTests: XCTestCase {
    func testParsesTheFlag() throws {
        XCTAssertEqual(try FreezePolicy(flag: "head"), .head)
        XCTAssertEqual(try FreezePolicy(flag: "none"), .none)
        XCTAssertEqual(try FreezePolicy(flag: "last:3"), .last(3))
        XCTAssertEqual(try FreezePolicy(flag: "conv1, bn1,layer1"), .prefixes(["conv1", "bn1", "layer1"]))
        for flag in ["head", "none", "last:0", "layer1,layer2"] {
            XCTAssertEqual(try FreezePolicy(flag: flag).description, flag)
        }
        for bad in ["", "last:", "last:-1", "last:x", "layer1,,layer2"] {
            XCTAssertThrowsError(try FreezePolicy(flag: bad)) { error in
                XCTAssertTrue("\(error)".hasPrefix("`freeze` '\(bad)': "), "\(error)")
                XCTAssertEqual((error as? TrainingOptionError)?.option, .freeze)
            }
        }
    }

    /// Trainable and frozen parameter counts; resnet18's from torchvision (`resnet18(num_classes=10)`:
    /// 11,181,642 in all, fc 5,130, layer4 8,393,728, layer3 2,099,712).
    func testCountsPerPolicy() throws {
        let resnet = try ModelZoo.spec("resnet18")
        let model = try Init.withoutInitialisation { try resnet.make(numClasses: 10) }
        let total = 11_181_642
        func check(_ flag: String, trainable: Int, _ m: any TransferModel, _ spec: ModelSpec, total: Int, line: UInt = #line) throws {
            let counts = try FreezePolicy(flag: flag).apply(to: m, spec: spec)
            XCTAssertEqual(counts, FreezeCounts(frozen: total - trainable, trainable: trainable), flag, line: line)
            XCTAssertEqual(m.trainableParameterCount, trainable, flag, line: line)
        }
        try check("head", trainable: 5_130, model, resnet, total: total)
        try check("last:1", trainable: 5_130 + 8_393_728, model, resnet, total: total)
        try check("last:2", trainable: 5_130 + 8_393_728 + 2_099_712, model, resnet, total: total)
        try check("none", trainable: total, model, resnet, total: total)
        try check("conv1,bn1", trainable: total - 9_408 - 128, model, resnet, total: total)
        try check("last:0", trainable: 5_130, model, resnet, total: total)

        // EfficientNet-Lite0: 4,652,008 parameters with 1000 classes, so 3,383,818 with 10;
        // _fc 12,810, _bn1 2,560, _conv_head 409,600.
        let lite = try ModelZoo.spec("efficientnet_lite0")
        let liteModel = try Init.withoutInitialisation { try lite.make(numClasses: 10) }
        try check("head", trainable: 12_810, liteModel, lite, total: 3_383_818)
        try check("last:2", trainable: 12_810 + 2_560 + 409_600, liteModel, lite, total: 3_383_818)
        try check("none", trainable: 3_383_818, liteModel, lite, total: 3_383_818)
    }

    /// Auxiliary heads train with the head.
    func testAuxiliaryHeadsTrainWithTheHead() throws {
        let spec = try ModelZoo.spec("googlenet")
        let model = try Init.withoutInitialisation { try spec.make(numClasses: 3) }
        try FreezePolicy.head.apply(to: model, spec: spec)
        for (name, p) in model.namedParameters() {
            let head = ["fc.", "aux1.", "aux2."].contains { name.hasPrefix($0) }
            XCTAssertEqual(p.requiresGrad, head, name)
        }
    }

    func testMistakesNameTheFlagAndChangeNothing() throws {
        let spec = try ModelZoo.spec("resnet18")
        let model = try Init.withoutInitialisation { try spec.make(numClasses: 10) }
        try FreezePolicy.head.apply(to: model, spec: spec)
        XCTAssertThrowsError(try FreezePolicy(flag: "last:7").apply(to: model, spec: spec)) { error in
            XCTAssertEqual("\(error)", "`freeze` 'last:7': resnet18 has only 6 stages below its head")
        }
        XCTAssertThrowsError(try FreezePolicy(flag: "layer1,layr2").apply(to: model, spec: spec)) { error in
            XCTAssertTrue("\(error)".hasPrefix("`freeze` 'layr2' matches no parameter of resnet18 (its stages: conv1, bn1, layer1"), "\(error)")
        }
        XCTAssertThrowsError(try FreezePolicy(flag: "layer").apply(to: model, spec: spec))   // whole components only
        XCTAssertEqual(model.trainableParameterCount, 5_130)
        XCTAssertNoThrow(try FreezePolicy(flag: "layer1.").apply(to: model, spec: spec))
    }

    /// Several SGD steps of resnet18 with `--freeze head` and `last:1`: frozen BatchNorms keep
    /// their running statistics and counters bit for bit while the trainable ones' move; frozen
    /// parameters get no gradient and keep their values.
    func testFrozenBatchNormStatisticsNeverMove() throws {
        let spec = try ModelZoo.spec("resnet18")
        for flag in ["head", "last:1"] {
            GlobalRandom.seed(3)
            let model = try spec.make(numClasses: 4)
            try FreezePolicy(flag: flag).apply(to: model, spec: spec)
            let buffersBefore = model.namedBuffers().map { ($0.0, $0.1.copy()) }
            let parametersBefore = model.namedParameters().map { ($0.0, $0.1.copy()) }
            let optimizer = try SGD(parameters: model.parameters(), lr: 0.1, momentum: 0.9)
            setTrainingMode(model)
            for (name, m) in model.namedModules() where m is BatchNorm2d {
                XCTAssertEqual(m.training, flag == "last:1" && name.hasPrefix("layer4."), "\(flag): \(name)")
            }
            for step in 0..<3 {
                let x = Tensor(shape: [2, 3, 64, 64], data: (0..<(2 * 3 * 64 * 64)).map { Float(($0 * 7919 + step * 13) % 101) / 50 - 1 })
                let loss = try crossEntropy(model(x), labels: Tensor(labels: [step % 4, (step + 1) % 4]))
                try loss.backward()
                for (name, p) in model.namedParameters() where !p.requiresGrad {
                    XCTAssertNil(p.grad, "\(flag): \(name)")
                }
                try optimizer.step()
                optimizer.zeroGrad()
            }
            let trainable = flag == "head" ? ["fc."] : ["fc.", "layer4."]
            for ((name, before), (_, after)) in zip(buffersBefore, model.namedBuffers()) {
                let moves = trainable.contains { name.hasPrefix($0) }
                let same = before.dtype == .int64 ? before.int64Values == after.int64Values
                    : before.toArray().map(\.bitPattern) == after.toArray().map(\.bitPattern)
                XCTAssertEqual(same, !moves, "\(flag): \(name)")
            }
            for ((name, before), (_, after)) in zip(parametersBefore, model.namedParameters()) {
                let same = before.toArray().map(\.bitPattern) == after.toArray().map(\.bitPattern)
                XCTAssertEqual(same, !trainable.contains { name.hasPrefix($0) }, "\(flag): \(name)")
            }
        }
    }

    /// One group per stage, input first, the head (with auxiliary heads) last at the base lr,
    /// each stage below at lr · factor^distance; every parameter once, frozen ones included.
    func testDiscriminativeLearningRates() throws {
        let spec = try ModelZoo.spec("googlenet")
        let model = try Init.withoutInitialisation { try spec.make(numClasses: 3) }
        try FreezePolicy.head.apply(to: model, spec: spec)
        let groups = try parameterGroups(model: model, spec: spec, baseLR: 0.01, weightDecay: 1e-4, factor: 0.5)
        XCTAssertEqual(groups.map(\.name), model.trunkStagePaths + ["head"])
        XCTAssertEqual(groups.last!.lr, 0.01)
        XCTAssertEqual(groups[groups.count - 2].lr, 0.005)
        XCTAssertEqual(groups[0].lr, 0.01 * Float(pow(0.5, 12.0)), accuracy: 1e-12)
        XCTAssertTrue(groups.allSatisfy { $0.weightDecay == 1e-4 })
        XCTAssertEqual(Set(groups.flatMap(\.parameters).map(ObjectIdentifier.init)), Set(model.parameters().map(ObjectIdentifier.init)))
        XCTAssertEqual(groups.map(\.parameters.count).reduce(0, +), model.parameters().count)
        let headGroup = Set(groups.last!.parameters.map(ObjectIdentifier.init))
        for (name, p) in model.namedParameters() where ["fc.", "aux1.", "aux2."].contains(where: { name.hasPrefix($0) }) {
            XCTAssertTrue(headGroup.contains(ObjectIdentifier(p)), name)
        }
        XCTAssertNoThrow(try SGD(groups: groups))
        XCTAssertThrowsError(try parameterGroups(model: model, spec: spec, baseLR: 0.01, weightDecay: 0, factor: 0))
        XCTAssertThrowsError(try parameterGroups(model: StageLess(width: 2), spec: spec, baseLR: 0.01, weightDecay: 0, factor: 0.5)) { error in
            XCTAssertEqual("\(error)", "parameterGroups: parameter 'trunk.weight' is in no stage of googlenet")
        }
    }

    /// The checks made before a run builds its model (the freeze policy against the model's
    /// stages) build a model undrawn and leave the global random source as they found it, and a
    /// model fitted to a weight file's classes draws as one build of that class count does, so
    /// that a run draws the same head whichever checks ran.
    func testChecksBeforeARunLeaveTheGlobalRandomSourceAlone() throws {
        let spec = try ModelZoo.spec("efficientnet_lite0")   // its Dropout seeds itself from the source
        func firstDraw(after body: () throws -> Void) rethrows -> UInt64 {
            GlobalRandom.seed(7)
            try body()
            return GlobalRandom.generator.next()
        }
        let untouched = firstDraw {}
        XCTAssertEqual(try firstDraw { try FreezePolicy.last(4).validate(for: spec, head: HeadConfig(classes: 3)) }, untouched)
        let oneBuild = try firstDraw { _ = try Init.withoutInitialisation { try spec.make(numClasses: 5) } }
        XCTAssertNotEqual(oneBuild, untouched)
        let fivePerClass = [("_fc.weight", Tensor.zeros([5, 1280]))]
        XCTAssertEqual(try firstDraw { XCTAssertEqual(try modelFitting(fivePerClass, spec: spec).classes, 5) }, oneBuild)
        XCTAssertEqual(try firstDraw { XCTAssertEqual(try modelFitting([], spec: spec).classes, 1000) }, oneBuild)
    }

    /// A model whose stages leave its trunk out.
    private final class StageLess: Module, TransferModel {
        let trunk: Linear
        @ModuleInfo var fc: Module

        init(width: Int) throws {
            trunk = try Linear(inFeatures: width, outFeatures: width)
            fc = try Linear(inFeatures: width, outFeatures: width)
        }

        var head: Module { fc }
        var stages: [Module] { [fc] }
        func forwardFeatures(_ x: Tensor) throws -> Tensor { try trunk(x) }
    }

    /// From `--freeze head`, one more stage every two epochs, from the head down; a copy
    /// restored on a fresh model (a resumed run) unfreezes the same stages.
    func testGradualUnfreezing() throws {
        let spec = try ModelZoo.spec("resnet18")
        let model = try Init.withoutInitialisation { try spec.make(numClasses: 10) }
        try FreezePolicy.head.apply(to: model, spec: spec)
        var schedule = try GradualUnfreezing(every: 2)
        var log: [[String]] = []
        for epoch in 1...5 { log.append(schedule.beginEpoch(epoch, model: model)) }
        XCTAssertEqual(log, [[], [], ["layer4"], [], ["layer3"]])
        XCTAssertEqual(model.trainableParameterCount, 5_130 + 8_393_728 + 2_099_712)

        let saved = try JSONDecoder().decode(GradualUnfreezing.self, from: JSONEncoder().encode(schedule))
        XCTAssertEqual(saved, schedule)
        var resumed = saved
        let fresh = try Init.withoutInitialisation { try spec.make(numClasses: 10) }
        try FreezePolicy.head.apply(to: fresh, spec: spec)
        XCTAssertEqual(resumed.beginEpoch(6, model: fresh), [])
        XCTAssertEqual(fresh.trainableParameterCount, model.trainableParameterCount)
        XCTAssertEqual(resumed.beginEpoch(7, model: fresh), ["layer2"])

        // Resuming at a later epoch with no saved schedule catches up at once.
        var late = try GradualUnfreezing(every: 1)
        let other = try Init.withoutInitialisation { try spec.make(numClasses: 10) }
        try FreezePolicy.head.apply(to: other, spec: spec)
        XCTAssertEqual(late.beginEpoch(4, model: other), ["layer4", "layer3", "layer2"])
        XCTAssertEqual(late.beginEpoch(40, model: other), ["layer1", "bn1", "conv1"])
        XCTAssertThrowsError(try GradualUnfreezing(every: 0)) { error in
            XCTAssertEqual("\(error)", "`unfreezeEvery` must be at least 1, not 0")
        }
    }
}
