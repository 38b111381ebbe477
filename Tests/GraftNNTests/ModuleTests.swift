import XCTest
import GraftCore
@testable import GraftNN

/// A module with its own parameter, its own buffer and a child, declared in the opposite order.
final class Block: Module {
    var modeChanges = 0
    let conv: Conv2d
    @BufferInfo var count: Tensor
    @ParameterInfo var scale: Tensor

    init(channels: Int) throws {
        conv = try Conv2d(inChannels: channels, outChannels: channels, kernelSize: 1)
        count = Tensor.zeros([1])
        scale = Tensor.ones([channels])
        super.init()
    }

    override func forward(_ x: Tensor) throws -> Tensor { try conv(x) }

    override func didChangeTrainingMode() { modeChanges += 1 }
}

/// A module with named children only.
final class Tree: Module {
    init(_ names: [String]) throws {
        super.init()
        for n in names { register(n, try Conv2d(inChannels: 1, outChannels: 1, kernelSize: 1, bias: false)) }
    }
}

final class ModuleTests: XCTestCase {
    func makeModel() throws -> Sequential {
        Sequential(try Conv2d(inChannels: 3, outChannels: 2, kernelSize: 3, padding: 1), try Block(channels: 2), Flatten())
    }

    func testStateDictNamesAndOrder() throws {
        let model = try makeModel()
        XCTAssertEqual(model.stateDict().map(\.0), ["0.weight", "0.bias", "1.scale", "1.count", "1.conv.weight", "1.conv.bias"])
        XCTAssertEqual(model.namedParameters().map(\.0), ["0.weight", "0.bias", "1.scale", "1.conv.weight", "1.conv.bias"])
        XCTAssertEqual(model.namedBuffers().map(\.0), ["1.count"])
        XCTAssertEqual(model.namedModules().map(\.0), ["", "0", "1", "1.conv", "2"])
        XCTAssertEqual(model.children.map(\.0), ["0", "1", "2"])
        XCTAssertEqual(model.stateDict().map(\.1.shape), [[2, 3, 3, 3], [2], [2], [1], [2, 2, 1, 1], [2]])
        XCTAssertEqual(model.parameterCount, 54 + 2 + 2 + 4 + 2)
        XCTAssertEqual(model.parameters().count, 5)
        XCTAssertTrue(model.parameters().allSatisfy(\.requiresGrad))
    }

    func testStateDictValuesShareStorageButNotGradients() throws {
        let model = try makeModel()
        let (key, value) = model.stateDict()[0]
        XCTAssertEqual(key, "0.weight")
        XCTAssertFalse(value.requiresGrad)
        XCTAssertEqual(value.toArray(), model.parameter(named: "0.weight")!.toArray())
        value.withUnsafeMutableFloats { $0[0] = 42 }
        XCTAssertEqual(model.parameter(named: "0.weight")!.toArray()[0], 42)
    }

    func testLookupByPath() throws {
        let model = try makeModel()
        XCTAssertTrue(model.module(at: "") === model)
        XCTAssertTrue(model.module(at: "1.conv") is Conv2d)
        XCTAssertNil(model.module(at: "1.nothing"))
        XCTAssertNil(model.module(at: "3"))
        XCTAssertTrue(model.parameter(named: "1.conv.weight") === (model.module(at: "1.conv") as! Conv2d).weight)
        XCTAssertTrue(model.parameter(named: "1.scale") === model.namedParameters()[2].1)
        XCTAssertNil(model.parameter(named: "1.count"))
        XCTAssertEqual(model.buffer(named: "1.count")?.shape, [1])
        XCTAssertNil(model.parameter(named: "1.conv.nothing"))
    }

    func testAbsentBiasIsNotListed() throws {
        let conv = try Conv2d(inChannels: 2, outChannels: 4, kernelSize: 3, bias: false)
        XCTAssertEqual(conv.stateDict().map(\.0), ["weight"])
        XCTAssertNil(conv.bias)
        let m = Module()
        m.registerParameter("bias", Tensor.zeros([2]))
        m.registerParameter("bias", nil)
        XCTAssertTrue(m.stateDict().isEmpty)
    }

    func testReplacingAChildKeepsItsPosition() throws {
        let tree = try Tree(["a", "b", "c"])
        let replacement = try Conv2d(inChannels: 1, outChannels: 3, kernelSize: 1)
        tree.register("b", replacement)
        XCTAssertEqual(tree.children.map(\.0), ["a", "b", "c"])
        XCTAssertTrue(tree.module(at: "b") === replacement)
        XCTAssertEqual(tree.stateDict().map(\.0), ["a.weight", "b.weight", "b.bias", "c.weight"])

        let model = try makeModel()
        model.register("1", Identity())
        XCTAssertEqual(model.namedModules().map(\.0), ["", "0", "1", "2"])
        XCTAssertEqual(model.stateDict().map(\.0), ["0.weight", "0.bias"])
        model[0] = Identity()
        XCTAssertTrue(model.stateDict().isEmpty)
        XCTAssertEqual(model.count, 3)
    }

    /// Declared names: a property's name or its key, in declaration order; an absent optional
    /// is not listed; a `@ModuleInfo var` child is replaced through its property, a `let` child
    /// or a child of another type is refused and nothing changes.
    func testDeclaredEntriesAndReplacement() throws {
        final class Net: Module {
            @ModuleInfo(key: "Conv2d_1a") var stem: Conv2d
            let body: Sequential
            let absent: Conv2d?
            @ModuleInfo var extra: Flatten?
            @ModuleInfo var fc: Module
            @ParameterInfo(key: "log_scale") var logScale: Tensor
            @BufferInfo(key: "running_max") var runningMax: Tensor

            init(channels: Int) throws {
                _stem.wrappedValue = try Conv2d(inChannels: 1, outChannels: channels, kernelSize: 1, bias: false)
                body = Sequential(ReLU())
                absent = nil
                extra = nil
                fc = try Linear(inFeatures: 2, outFeatures: 3)
                _logScale.wrappedValue = Tensor.zeros([1])
                _runningMax.wrappedValue = Tensor.zeros([1])
                super.init()
            }
        }
        let net = try Net(channels: 2)
        XCTAssertEqual(net.children.map(\.0), ["Conv2d_1a", "body", "fc"])
        XCTAssertEqual(net.stateDict().map(\.0), ["log_scale", "running_max", "Conv2d_1a.weight", "fc.weight", "fc.bias"])
        XCTAssertTrue(net.logScale.requiresGrad)
        XCTAssertFalse(net.runningMax.requiresGrad)

        let head = Sequential(try Linear(inFeatures: 2, outFeatures: 4))
        XCTAssertTrue(try net.replaceModule(at: "fc", with: head) is Linear)
        XCTAssertTrue(net.fc === head)
        XCTAssertEqual(net.stateDict().map(\.0).suffix(2), ["fc.0.weight", "fc.0.bias"])
        net.fc = Identity()
        XCTAssertTrue(net.module(at: "fc") is Identity)

        XCTAssertThrowsError(try net.replaceModule(at: "body", with: Identity())) { error in
            XCTAssertEqual("\(error)", "replaceModule: Net.body is a constant; declare it @ModuleInfo var to replace it")
        }
        XCTAssertThrowsError(try net.replaceModule(at: "Conv2d_1a", with: Identity())) { error in
            XCTAssertEqual("\(error)", "replaceModule: 'Conv2d_1a' holds a Conv2d, not a Identity")
        }
        XCTAssertThrowsError(try net.replaceModule(at: "extra", with: Identity()))   // absent: no module there
        XCTAssertTrue(try net.replaceModule(at: "body.0", with: Identity()) is ReLU)
        XCTAssertEqual(net.children.map(\.0), ["Conv2d_1a", "body", "fc"])
    }

    /// A module is frozen when it has parameters and none trains; one without parameters never is.
    func testFrozenIsAllParametersFrozen() throws {
        let conv = try Conv2d(inChannels: 1, outChannels: 1, kernelSize: 1)
        XCTAssertFalse(conv.isFrozen)
        conv.freeze(["bias"])
        XCTAssertFalse(conv.isFrozen)
        conv.freeze()
        XCTAssertTrue(conv.isFrozen)
        XCTAssertFalse(ReLU().isFrozen)
        XCTAssertFalse(BatchNorm2d(2, affine: false).isFrozen)
    }

    func testFreezeByPrefix() throws {
        let model = try makeModel()
        XCTAssertEqual(model.freeze(["1"]), 3)
        XCTAssertEqual(model.namedParameters().filter { !$0.1.requiresGrad }.map(\.0), ["1.scale", "1.conv.weight", "1.conv.bias"])
        XCTAssertEqual(model.trainableParameterCount, 56)
        XCTAssertEqual(model.unfreeze(["1.conv"]), 2)
        XCTAssertEqual(model.trainableParameterCount, 62)
        model.freeze()
        XCTAssertEqual(model.trainableParameterCount, 0)
        XCTAssertEqual(model.unfreeze(), 5)
        XCTAssertEqual(model.trainableParameterCount, model.parameterCount)

        // Prefixes match whole path components.
        let tree = try Tree(["layer1", "layer10"])
        XCTAssertEqual(tree.freeze(["layer1"]), 1)
        XCTAssertFalse(tree.parameter(named: "layer1.weight")!.requiresGrad)
        XCTAssertTrue(tree.parameter(named: "layer10.weight")!.requiresGrad)
        XCTAssertEqual(tree.freeze(["layer2"]), 0)
    }

    func testFrozenParametersGetNoGradient() throws {
        let model = try makeModel()
        model.freeze(["0"])
        let y = try model(seededTensor([2, 3, 4, 4], seed: 1))
        XCTAssertEqual(y.shape, [2, 32])
        try y.backward(gradient: Tensor.ones(y.shape))
        XCTAssertNil(model.parameter(named: "0.weight")!.grad)
        XCTAssertNil(model.parameter(named: "0.bias")!.grad)
        XCTAssertEqual(model.parameter(named: "1.conv.weight")!.grad?.shape, [2, 2, 1, 1])
        model.zeroGrad()
        XCTAssertTrue(model.parameters().allSatisfy { $0.grad == nil })
    }

    func testTrainAndEvalAreRecursive() throws {
        let model = try makeModel()
        let block = model[1] as! Block
        model.eval()
        XCTAssertTrue(model.namedModules().allSatisfy { !$0.1.training })
        XCTAssertEqual(block.modeChanges, 1)
        model.train()
        XCTAssertTrue(model.namedModules().allSatisfy { $0.1.training })
        XCTAssertEqual(block.modeChanges, 2)
    }

    func testBaseForwardThrowsNamingTheType() {
        XCTAssertThrowsError(try Module()(Tensor.zeros([1]))) { error in
            XCTAssertTrue("\(error)".contains("Module"), "\(error)")
        }
    }

    func testLoadStateDictCopiesValues() throws {
        let source = try makeModel(), target = try makeModel()
        source.parameter(named: "1.scale")!.withUnsafeMutableFloats { $0[1] = 7 }
        let weight = target.parameter(named: "0.weight")!
        let result = try target.loadStateDict(source.stateDict())
        XCTAssertTrue(result.missing.isEmpty && result.unexpected.isEmpty)
        XCTAssertTrue(target.parameter(named: "0.weight") === weight, "parameters are updated in place")
        for ((k1, v1), (k2, v2)) in zip(source.stateDict(), target.stateDict()) {
            XCTAssertEqual(k1, k2)
            XCTAssertEqual(v1.toArray(), v2.toArray(), k1)
        }
    }

    func testStrictLoadListsMissingAndUnexpectedKeys() throws {
        let source = try makeModel(), target = try makeModel()
        let before = target.parameter(named: "0.weight")!.toArray()
        var entries = source.stateDict().filter { $0.0 != "1.scale" && $0.0 != "1.conv.bias" }
        entries.append(("1.bogus", Tensor.zeros([3])))
        XCTAssertThrowsError(try target.loadStateDict(entries)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("missing keys: 1.scale, 1.conv.bias"), text)
            XCTAssertTrue(text.contains("unexpected keys: 1.bogus"), text)
        }
        XCTAssertEqual(target.parameter(named: "0.weight")!.toArray(), before, "nothing is copied when loading fails")

        let result = try target.loadStateDict(entries, strict: false)
        XCTAssertEqual(result.missing, ["1.scale", "1.conv.bias"])
        XCTAssertEqual(result.unexpected, ["1.bogus"])
        XCTAssertEqual(target.parameter(named: "0.weight")!.toArray(), source.parameter(named: "0.weight")!.toArray())
    }

    func testShapeMismatchNamesTheKey() throws {
        let target = try makeModel()
        var entries = target.stateDict()
        entries[4] = ("1.conv.weight", Tensor.zeros([2, 2, 3, 3]))
        for strict in [true, false] {
            XCTAssertThrowsError(try target.loadStateDict(entries, strict: strict)) { error in
                guard case GraftError.shapeMismatch = error else { return XCTFail("\(error)") }
                let text = "\(error)"
                XCTAssertTrue(text.contains("'1.conv.weight'") && text.contains("[2, 2, 3, 3]") && text.contains("[2, 2, 1, 1]"), text)
            }
        }
    }
}
