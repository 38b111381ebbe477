import Foundation
import GraftCore
@testable import GraftModels
import GraftNN
import XCTest

/// The initialisation formulas of torchvision's classic models, stated explicitly (the parity
/// tests also compare every model's statistics with torchvision's own draws).
final class ClassicInitTests: XCTestCase {
    /// Asserts that `values` look drawn from N(0, std²), or from U(−√3 std, √3 std) when
    /// `uniform`, within sampling error.
    private func assertDrawn(_ values: [Float], std: Double, uniform: Bool = false, _ name: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let m = ZooParity.Moments(values)
        let tolerance = 6 * std / Double(m.n).squareRoot()
        XCTAssertEqual(m.mean, 0, accuracy: tolerance, "mean of \(name)", file: file, line: line)
        XCTAssertEqual(m.std, std, accuracy: tolerance, "std of \(name)", file: file, line: line)
        if uniform {
            XCTAssertLessThanOrEqual(m.maxAbs, 3.0.squareRoot() * std * (1 + 1e-6), "\(name) exceeds the uniform bound", file: file, line: line)
        } else if m.n >= 1000 {
            XCTAssertGreaterThan(m.maxAbs, 2.5 * std, "\(name) is not normal", file: file, line: line)
        }
    }

    private func assertBatchNormsStartAtIdentity(_ model: Module, file: StaticString = #filePath, line: UInt = #line) {
        for (name, m) in model.namedModules() {
            guard let bn = m as? BatchNorm2d else { continue }
            XCTAssertEqual(Set(bn.weight!.toArray()), [1], name, file: file, line: line)
            XCTAssertEqual(Set(bn.bias!.toArray()), [0], name, file: file, line: line)
        }
    }

    /// Kaiming normal with fan out and ReLU gain, std √(2 / (out · kh · kw)), for the
    /// convolutions; torch's default U(±1/√fan_in) for `fc`.
    func testResNet() throws {
        GlobalRandom.seed(1)
        let model = try ResNet.resnet18(numClasses: 10)
        for (name, m) in model.namedModules() {
            guard let conv = m as? Conv2d else { continue }
            let fanOut = conv.outChannels * conv.kernelSize.0 * conv.kernelSize.1
            assertDrawn(conv.weight.toArray(), std: (2.0 / Double(fanOut)).squareRoot(), name)
        }
        assertBatchNormsStartAtIdentity(model)
        let bound = 1 / 512.0.squareRoot()
        assertDrawn(model.parameter(named: "fc.weight")!.toArray(), std: bound / 3.0.squareRoot(), uniform: true, "fc.weight")
        XCTAssertLessThanOrEqual(model.parameter(named: "fc.bias")!.toArray().map { abs(Double($0)) }.max()!, bound)
    }

    /// Kaiming normal with fan out for every convolution, depthwise ones included (fan out
    /// = channels · 9); N(0, 0.01²) and a zero bias for the classifier.
    func testMobileNetV2() throws {
        GlobalRandom.seed(2)
        let model = try MobileNetV2(numClasses: 10)
        for (name, m) in model.namedModules() {
            guard let conv = m as? Conv2d else { continue }
            let fanOut = conv.outChannels * conv.kernelSize.0 * conv.kernelSize.1
            assertDrawn(conv.weight.toArray(), std: (2.0 / Double(fanOut)).squareRoot(), name)
        }
        assertBatchNormsStartAtIdentity(model)
        let fc = try XCTUnwrap(model.module(at: "classifier.1") as? Linear)
        assertDrawn(fc.weight.toArray(), std: 0.01, "classifier.1.weight")
        XCTAssertEqual(Set(fc.bias!.toArray()), [0])
    }

    /// Kaiming uniform with fan in, bound √(6 / fan_in), for every convolution but the head,
    /// which is N(0, 0.01²); all biases 0. The same seed draws the same weights.
    func testSqueezeNet() throws {
        GlobalRandom.seed(3)
        let model = try SqueezeNet(version: .v1_1, numClasses: 10)
        for (name, m) in model.namedModules() {
            guard let conv = m as? Conv2d else { continue }
            XCTAssertEqual(Set(conv.bias!.toArray()), [0], name)
            if name == "classifier.1" {
                assertDrawn(conv.weight.toArray(), std: 0.01, name)
            } else {
                let fanIn = conv.inChannels * conv.kernelSize.0 * conv.kernelSize.1
                assertDrawn(conv.weight.toArray(), std: (2.0 / Double(fanIn)).squareRoot(), uniform: true, name)
            }
        }
        GlobalRandom.seed(3)
        let again = try SqueezeNet(version: .v1_1, numClasses: 10)
        XCTAssertTrue(zip(model.stateDict(), again.stateDict()).allSatisfy { $0.1.dtype == .int64 || $0.1.toArray() == $1.1.toArray() })
    }
}
