import Foundation
import GraftCore
import GraftNN
import XCTest
@testable import GraftModels

final class HeadSurgeryTests: XCTestCase {
    /// A small input each architecture accepts: Inception-v3's auxiliary head needs the
    /// 17×17 map that only a full-size input gives.
    private func input(for spec: ModelSpec) -> Tensor {
        let side = spec.name == "inception_v3" ? 299 : spec.name == "lenet5" ? 32 : 64
        let shape = [2, spec.preprocessing.channels, side, side]
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 7919) % 101) / 50 - 1 })
    }

    /// The final layer of an auxiliary head, as the surgery finds it.
    private func auxiliaryFinalLayer(_ aux: String) -> String {
        ["aux1": "aux1.fc2", "aux2": "aux2.fc2", "AuxLogits": "AuxLogits.fc"][aux]!
    }

    /// For every zoo model: outputs [B, N] (and each auxiliary output) after surgery, the new
    /// head's state-dict keys and shapes, and every other entry the very same tensor with the
    /// same values.
    func testEveryZooModelGetsAHeadForTheNewClasses() throws {
        for spec in ModelZoo.builtIn {
            // Drawing 138M initial weights (VGG) would dominate the test; values are only compared
            // (those of the tensors up to 64K elements; the others are checked to be the same tensors).
            let model = try Init.withoutInitialisation { try spec.make(numClasses: 3) }
            let head = model.headPath, auxiliaryHeads = model.auxiliaryHeadPaths
            let replaced = [head] + auxiliaryHeads.map { auxiliaryFinalLayer($0) }
            func inReplaced(_ key: String) -> Bool { replaced.contains { key.hasPrefix($0 + ".") } }
            let before = model.stateDict().filter { !inReplaced($0.0) }
            let identities = model.namedParameters().filter { !inReplaced($0.0) }.map { ObjectIdentifier($0.1) }
            let values = before.filter { $0.1.count <= 1 << 16 }.map { $0.1.dtype == .float32 ? $0.1.toArray().map(\.bitPattern) : [] }
            let oldWidth = model.parameter(named: head + ".weight")!.shape[1]

            try model.replaceHead(with: HeadConfig(classes: 7))

            let after = model.stateDict()
            XCTAssertEqual(after.filter { !inReplaced($0.0) }.map(\.0), before.map(\.0), spec.name)
            XCTAssertEqual(model.namedParameters().filter { !inReplaced($0.0) }.map { ObjectIdentifier($0.1) }, identities, spec.name)
            let afterSmall = after.filter { !inReplaced($0.0) && $0.1.count <= 1 << 16 }
            for ((key, t), old) in zip(afterSmall, values) where t.dtype == .float32 {
                XCTAssertEqual(t.toArray().map(\.bitPattern), old, "\(spec.name): \(key) changed")
            }
            let headKeys = after.filter { $0.0.hasPrefix(head + ".") }
            XCTAssertEqual(headKeys.map(\.0), [head + ".weight", head + ".bias"], spec.name)
            let conv = spec.name.hasPrefix("squeezenet")
            XCTAssertEqual(headKeys[0].1.shape, conv ? [7, oldWidth, 1, 1] : [7, oldWidth], spec.name)
            XCTAssertEqual(headKeys[1].1.shape, [7], spec.name)

            model.eval()
            let x = input(for: spec)
            XCTAssertEqual(try GradMode.withoutGradients { try model(x) }.shape, [2, 7], spec.name)
            if !auxiliaryHeads.isEmpty {
                model.train()
                let (output, auxiliary) = try GradMode.withoutGradients { try model.forwardWithAuxiliary(x) }
                XCTAssertEqual(output.shape, [2, 7], spec.name)
                XCTAssertEqual(auxiliary.map(\.shape), Array(repeating: [2, 7], count: auxiliaryHeads.count), spec.name)
                for aux in auxiliaryHeads {
                    XCTAssertEqual(model.parameter(named: auxiliaryFinalLayer(aux) + ".weight")!.shape.first, 7)
                }
            }
        }
    }

    /// Extra dense layers: Linear → ReLU → Dropout per hidden width, then the final layer, as
    /// a Sequential under the head's name; auxiliary heads get only a new final layer.
    func testHiddenLayersBeforeTheFinalLayer() throws {
        let spec = try ModelZoo.spec("googlenet")
        let model = try spec.make(numClasses: 4)
        try model.replaceHead(with: HeadConfig(classes: 5, hidden: [32, 16], dropout: 0.25))
        let head = try XCTUnwrap(model.module(at: "fc") as? Sequential)
        XCTAssertEqual(head.children.map { String(describing: type(of: $0.1)) },
                       ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"])
        XCTAssertEqual((head[2] as! Dropout).p, 0.25)
        let keys = model.stateDict().filter { $0.0.hasPrefix("fc.") }
        XCTAssertEqual(keys.map(\.0), ["fc.0.weight", "fc.0.bias", "fc.3.weight", "fc.3.bias", "fc.6.weight", "fc.6.bias"])
        XCTAssertEqual(keys.map(\.1.shape), [[32, 1024], [32], [16, 32], [16], [5, 16], [5]])
        XCTAssertEqual(model.parameter(named: "aux1.fc2.weight")?.shape, [5, 1024])
        XCTAssertEqual(model.parameter(named: "aux2.fc2.weight")?.shape, [5, 1024])
        model.train()
        let (output, auxiliary) = try model.forwardWithAuxiliary(input(for: spec))
        XCTAssertEqual(output.shape, [2, 5])
        XCTAssertEqual(auxiliary.map(\.shape), [[2, 5], [2, 5]])

        // A second surgery reads the input width from the first layer of the new head.
        try model.replaceHead(with: HeadConfig(classes: 2))
        XCTAssertEqual(model.parameter(named: "fc.weight")?.shape, [2, 1024])
        XCTAssertEqual(model.parameter(named: "aux1.fc2.weight")?.shape, [2, 1024])
    }

    /// SqueezeNet's head stays a 1×1 convolution, hidden layers included.
    func testConvolutionalHeadStaysConvolutional() throws {
        let spec = try ModelZoo.spec("squeezenet1_1")
        let model = try spec.make(head: HeadConfig(classes: 6, hidden: [24]))
        XCTAssertEqual(model.stateDict().filter { $0.0.hasPrefix("classifier.") }.map(\.1.shape),
                       [[24, 512, 1, 1], [24], [6, 24, 1, 1], [6]])
        model.eval()
        XCTAssertEqual(try model(input(for: spec)).shape, [2, 6])
    }

    /// Fresh layers get torch's default initialisation from the global generator: the same
    /// draws as a `Linear` built with the same seed.
    func testFreshLayersGetTorchsDefaultInitialisation() throws {
        let spec = try ModelZoo.spec("efficientnet_lite0")
        let model = try spec.make(numClasses: 10)
        GlobalRandom.seed(42)
        try model.replaceHead(with: HeadConfig(classes: 3))
        GlobalRandom.seed(42)
        let reference = try Linear(inFeatures: 1280, outFeatures: 3)
        XCTAssertEqual(model.parameter(named: "_fc.weight")!.toArray(), reference.weight.toArray())
        XCTAssertEqual(model.parameter(named: "_fc.bias")!.toArray(), reference.bias!.toArray())
    }

    /// A model made with a head takes the state dict of another made the same way, strictly,
    /// also when built without initialisation (as checkpoints are loaded); the new head follows
    /// the model's training mode.
    func testMakeWithHeadLoadsTheStateOfAnotherSuchModel() throws {
        let spec = try ModelZoo.spec("resnet18")
        let config = HeadConfig(classes: 4, hidden: [8], dropout: 0.5)
        let trained = try spec.make(head: config)
        let rebuilt = try Init.withoutInitialisation { try spec.make(head: config) }
        try rebuilt.loadStateDict(trained.stateDict(), strict: true)
        trained.eval(); rebuilt.eval()
        let x = input(for: spec)
        XCTAssertEqual(try rebuilt(x).toArray(), try trained(x).toArray())

        let model = try spec.make(numClasses: 2)
        model.eval()
        try model.replaceHead(with: config)
        XCTAssertFalse(model.module(at: "fc.2")!.training)
    }

    func testBadConfigurationsAndModelsThrow() throws {
        let spec = try ModelZoo.spec("resnet18")
        let model = try spec.make(numClasses: 2)
        for bad in [HeadConfig(classes: 0), HeadConfig(classes: 2, hidden: [0]), HeadConfig(classes: 2, dropout: 1)] {
            XCTAssertThrowsError(try model.replaceHead(with: bad)) { error in
                XCTAssertTrue("\(error)".hasPrefix("head: "), "\(error)")
            }
        }
        XCTAssertEqual(model.parameter(named: "fc.weight")?.shape, [2, 512])
        // Only a child declared @ModuleInfo var (or one of a Sequential) can be replaced, and
        // only by a module its declaration can hold.
        XCTAssertThrowsError(try model.replaceModule(at: "layer4", with: Identity())) { error in
            XCTAssertEqual("\(error)", "replaceModule: ResNet.layer4 is a constant; declare it @ModuleInfo var to replace it")
        }
        XCTAssertThrowsError(try model.replaceModule(at: "layer5", with: Identity())) { error in
            XCTAssertEqual("\(error)", "replaceModule: ResNet has no module 'layer5'")
        }
        let lite = try ModelZoo.spec("efficientnet_lite0").make(numClasses: 2)
        XCTAssertThrowsError(try lite.replaceModule(at: "_bn1", with: Identity())) { error in
            XCTAssertEqual("\(error)", "replaceModule: '_bn1' holds a BatchNorm2d, not a Identity")
        }
        XCTAssertEqual(model.parameter(named: "fc.weight")?.shape, [2, 512])
    }

    func testHeadConfigDecodesWithDefaults() throws {
        let config = try JSONDecoder().decode(HeadConfig.self, from: Data(#"{"classes": 3}"#.utf8))
        XCTAssertEqual(config, HeadConfig(classes: 3))
        let full = HeadConfig(classes: 3, hidden: [5], dropout: 0.5)
        XCTAssertEqual(try JSONDecoder().decode(HeadConfig.self, from: JSONEncoder().encode(full)), full)
    }
}
