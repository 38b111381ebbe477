import Foundation
import XCTest
import GraftCore
@testable import GraftNN

/// The tiny problem: f(p) = Σ cᵢ (pᵢ − tᵢ)², so ∇f = 2 c (p − t).
private let coefficients: [Double] = [1, 0.5, 3]
private let targets: [Double] = [0.5, -1, 2]
private let start: [Float] = [1, 2, -0.5]

private func gradient(_ p: [Double]) -> [Double] {
    (0..<p.count).map { 2 * coefficients[$0] * (p[$0] - targets[$0]) }
}

/// Sets each parameter's gradient of the tiny problem, then steps.
private func train(_ opt: Optimizer, _ params: [Tensor], steps: Int) throws {
    for _ in 0..<steps {
        for p in params {
            p.grad = Tensor(shape: p.shape, data: gradient(p.toArray().map(Double.init)).map(Float.init))
        }
        try opt.step()
    }
}

private func parameter(_ values: [Float] = start) -> Tensor {
    let p = Tensor(shape: [values.count], data: values)
    p.requiresGrad = true
    return p
}

/// torch.optim.SGD's update, in Double.
private func referenceSGD(lr: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                          nesterov: Bool = false, steps: Int) -> [Double] {
    var p = start.map(Double.init)
    var buf: [Double]?
    for _ in 0..<steps {
        var d = zip(gradient(p), p).map { $0 + weightDecay * $1 }
        if momentum != 0 {
            buf = buf.map { b in zip(b, d).map { momentum * $0 + (1 - dampening) * $1 } } ?? d
            d = nesterov ? zip(d, buf!).map { $0 + momentum * $1 } : buf!
        }
        p = zip(p, d).map { $0 - lr * $1 }
    }
    return p
}

/// torch.optim.Adam's update (L2 weight decay) or AdamW's (decoupled), in Double.
private func referenceAdam(lr: Double, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                           weightDecay: Double = 0, decoupled: Bool, steps: Int) -> [Double] {
    var p = start.map(Double.init)
    var m = [Double](repeating: 0, count: p.count), v = m
    for t in 1...steps {
        var g = gradient(p)
        if decoupled {
            p = p.map { $0 * (1 - lr * weightDecay) }
        } else {
            g = zip(g, p).map { $0 + weightDecay * $1 }
        }
        for i in p.indices {
            m[i] = betas.0 * m[i] + (1 - betas.0) * g[i]
            v[i] = betas.1 * v[i] + (1 - betas.1) * g[i] * g[i]
            let mHat = m[i] / (1 - pow(betas.0, Double(t)))
            let vHat = v[i] / (1 - pow(betas.1, Double(t)))
            p[i] -= lr * mHat / (vHat.squareRoot() + eps)
        }
    }
    return p
}

final class OptimizerTests: XCTestCase {
    func testSGDVariantsFollowTorch() throws {
        struct Case { var momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0, nesterov = false }
        let cases = [Case(), Case(momentum: 0.9), Case(momentum: 0.9, dampening: 0.3), Case(momentum: 0.8, nesterov: true),
                     Case(weightDecay: 0.1), Case(momentum: 0.9, dampening: 0.1, weightDecay: 0.05),
                     Case(momentum: 0.7, weightDecay: 0.2, nesterov: true)]
        for c in cases {
            let p = parameter()
            let opt = try SGD(parameters: [p], lr: 0.05, momentum: c.momentum, dampening: c.dampening,
                              weightDecay: c.weightDecay, nesterov: c.nesterov)
            try train(opt, [p], steps: 3)
            let expected = referenceSGD(lr: 0.05, momentum: Double(c.momentum), dampening: Double(c.dampening),
                                        weightDecay: Double(c.weightDecay), nesterov: c.nesterov, steps: 3)
            assertNear(p.toArray(), expected, "\(c)")
        }
    }

    /// Momentum 0.9, lr 0.1, constant gradient 1 from p = 1, by hand:
    /// buf 1, 1.9, 2.71 and p 0.9, 0.71, 0.439.
    func testSGDMomentumByHand() throws {
        let p = parameter([1])
        let opt = try SGD(parameters: [p], lr: 0.1, momentum: 0.9)
        var trajectory: [Float] = []
        for _ in 0..<3 {
            p.grad = Tensor(shape: [1], data: [1])
            try opt.step()
            trajectory.append(p.item)
        }
        assertNear(trajectory, [0.9, 0.71, 0.439])
        XCTAssertEqual(opt.stateDict().entries[0].buffers["momentum_buffer"]![0], 2.71, accuracy: 1e-6)
    }

    func testAdamFollowsTorch() throws {
        for wd: Float in [0, 0.1] {
            let p = parameter()
            let opt = try Adam(parameters: [p], lr: 0.01, betas: (0.8, 0.99), eps: 1e-6, weightDecay: wd)
            try train(opt, [p], steps: 3)
            assertNear(p.toArray(), referenceAdam(lr: 0.01, betas: (0.8, 0.99), eps: 1e-6, weightDecay: Double(wd),
                                                  decoupled: false, steps: 3), "weight decay \(wd)")
        }
    }

    /// With a constant gradient g, the bias-corrected moments are g and g², so each step
    /// moves p by lr · g / (|g| + eps).
    func testAdamConstantGradientByHand() throws {
        let p = parameter([1, 1])
        let opt = try Adam(parameters: [p], lr: 0.1)
        var trajectory: [Float] = []
        for _ in 0..<3 {
            p.grad = Tensor(shape: [2], data: [2, -0.5])
            try opt.step()
            trajectory += p.toArray()
        }
        assertNear(trajectory, [0.9, 1.1, 0.8, 1.2, 0.7, 1.3])
        XCTAssertEqual(opt.stateDict().entries[0].step, 3)
    }

    func testAdamWDecouplesWeightDecay() throws {
        let p = parameter()
        let opt = try AdamW(parameters: [p], lr: 0.01)
        XCTAssertEqual(opt.paramGroups[0].weightDecay, 0.01, "torch's default")
        try train(opt, [p], steps: 3)
        assertNear(p.toArray(), referenceAdam(lr: 0.01, weightDecay: 0.01, decoupled: true, steps: 3))

        let q = parameter()
        let strong = try AdamW(parameters: [q], lr: 0.05, betas: (0.5, 0.9), weightDecay: 0.5)
        try train(strong, [q], steps: 3)
        assertNear(q.toArray(), referenceAdam(lr: 0.05, betas: (0.5, 0.9), weightDecay: 0.5, decoupled: true, steps: 3))
    }

    func testParameterGroupsUseTheirOwnSettings() throws {
        let a = parameter(), b = parameter()
        let opt = try SGD(groups: [ParamGroup(parameters: [a], lr: 0.1, name: "backbone"),
                                   ParamGroup(parameters: [b], lr: 0.02, weightDecay: 0.5, name: "head")], momentum: 0.9)
        try train(opt, [a, b], steps: 3)
        assertNear(a.toArray(), referenceSGD(lr: 0.1, momentum: 0.9, steps: 3))
        assertNear(b.toArray(), referenceSGD(lr: 0.02, momentum: 0.9, weightDecay: 0.5, steps: 3))

        let c = parameter(), d = parameter()
        let adam = try Adam(groups: [ParamGroup(parameters: [c], lr: 0.01), ParamGroup(parameters: [d], lr: 0.03, weightDecay: 0.2)])
        try train(adam, [c, d], steps: 3)
        assertNear(c.toArray(), referenceAdam(lr: 0.01, decoupled: false, steps: 3))
        assertNear(d.toArray(), referenceAdam(lr: 0.03, weightDecay: 0.2, decoupled: false, steps: 3))
    }

    func testSkipsFrozenParametersAndMissingGradients() throws {
        let frozen = parameter(), gradless = parameter(), live = parameter()
        let opt = try Adam(parameters: [frozen, gradless, live], lr: 0.1)
        frozen.grad = Tensor.ones([3])
        frozen.requiresGrad = false
        live.grad = Tensor.ones([3])
        try opt.step()
        XCTAssertEqual(frozen.toArray(), start)
        XCTAssertEqual(gradless.toArray(), start)
        XCTAssertNotEqual(live.toArray(), start)
        XCTAssertEqual(opt.stateDict().entries.map(\.index), [2], "only the updated parameter has state")
        opt.zeroGrad()
        XCTAssertTrue([frozen, gradless, live].allSatisfy { $0.grad == nil })
    }

    func testStateRoundTripResumesExactly() throws {
        let makers: [(String, ([Tensor]) throws -> Optimizer)] = [
            ("SGD", { try SGD(parameters: $0, lr: 0.05, momentum: 0.9, nesterov: true) }),
            ("Adam", { try Adam(parameters: $0, lr: 0.01, weightDecay: 0.1) }),
            ("AdamW", { try AdamW(parameters: $0, lr: 0.01) }),
        ]
        for (name, make) in makers {
            let p = parameter(), frozen = parameter()
            let opt = try make([p, frozen])
            try train(opt, [p], steps: 2)
            let json = try JSONEncoder().encode(opt.stateDict())
            let saved = try JSONDecoder().decode(OptimizerState.self, from: json)
            XCTAssertEqual(saved, opt.stateDict(), name)
            XCTAssertEqual(saved.optimizer, name)

            let q = parameter(p.toArray()), frozenCopy = parameter()
            let resumed = try make([q, frozenCopy])
            try resumed.loadState(saved)
            try train(opt, [p], steps: 2)
            try train(resumed, [q], steps: 2)
            XCTAssertEqual(p.toArray(), q.toArray(), name)
        }
    }

    func testLoadingAMismatchedStateThrows() throws {
        let p = parameter()
        let sgd = try SGD(parameters: [p], lr: 0.1, momentum: 0.9)
        try train(sgd, [p], steps: 1)
        let state = sgd.stateDict()

        XCTAssertThrowsError(try SGD(parameters: [Tensor.zeros([4])], lr: 0.1).loadState(state)) { error in
            guard case GraftError.shapeMismatch = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("[3] vs [4]"), "\(error)")
        }
        XCTAssertThrowsError(try Adam(parameters: [parameter()]).loadState(state)) { error in
            XCTAssertTrue("\(error)".contains("saved by SGD"), "\(error)")
        }
        XCTAssertThrowsError(try SGD(parameters: [], lr: 0.1).loadState(state))
        var corrupt = state
        corrupt.entries[0].buffers["momentum_buffer"] = [1, 2]
        XCTAssertThrowsError(try SGD(parameters: [parameter()], lr: 0.1).loadState(corrupt))
    }

    func testLoadingRestoresLearningRates() throws {
        let p = parameter()
        let opt = try SGD(parameters: [p], lr: 0.1, weightDecay: 0.2)
        opt.paramGroups[0].lr = 0.07
        let other = try SGD(parameters: [parameter()], lr: 1)
        try other.loadState(opt.stateDict())
        XCTAssertEqual(other.paramGroups[0].lr, 0.07)
        XCTAssertEqual(other.paramGroups[0].weightDecay, 0.2)
    }

    func testInvalidSettingsThrow() {
        XCTAssertThrowsError(try SGD(parameters: [parameter()], lr: -1))
        XCTAssertThrowsError(try SGD(parameters: [parameter()], lr: 0.1, nesterov: true))
        XCTAssertThrowsError(try SGD(parameters: [parameter()], lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true))
        XCTAssertThrowsError(try Adam(parameters: [parameter()], betas: (1, 0.999)))
        XCTAssertThrowsError(try AdamW(parameters: [parameter()], eps: -1))
        let p = parameter()
        XCTAssertThrowsError(try SGD(groups: [ParamGroup(parameters: [p], lr: 0.1), ParamGroup(parameters: [p], lr: 0.1)]))
    }

    func testGradientOfAnotherShapeThrows() throws {
        let p = parameter()
        let opt = try SGD(parameters: [p], lr: 0.1)
        p.grad = Tensor.ones([4])
        XCTAssertThrowsError(try opt.step()) { error in
            guard case GraftError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
    }

    func testTrainsAConvolutionThroughAutograd() throws {
        let conv = try Conv2d(inChannels: 2, outChannels: 1, kernelSize: 1)
        let opt = try SGD(parameters: conv.parameters(), lr: 0.1)
        let x = seededTensor([1, 2, 2, 2], seed: 8)
        let before = conv.bias!.item
        let y = try conv(x)
        try y.backward(gradient: Tensor.ones(y.shape))
        try opt.step()
        XCTAssertEqual(conv.bias!.item, before - 0.1 * 4, accuracy: 1e-6, "d(sum y)/d bias = 4 pixels")
    }
}
