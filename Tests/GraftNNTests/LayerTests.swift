import XCTest
import GraftCore
@testable import GraftNN

final class LayerTests: XCTestCase {
    func testConv2dParameterShapesAndConfig() throws {
        let conv = try Conv2d(inChannels: 4, outChannels: 6, kernelSize: (3, 5), stride: (2, 1), padding: (1, 2),
                              dilation: (1, 2), groups: 2)
        XCTAssertEqual(conv.weight.shape, [6, 2, 3, 5])
        XCTAssertEqual(conv.bias?.shape, [6])
        XCTAssertEqual(conv.config, Conv2dConfig(stride: (2, 1), padding: Padding2d(1, 2), dilation: (1, 2), groups: 2))

        let square = try Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, stride: 2, padding: 1)
        XCTAssertEqual(square.weight.shape, [8, 3, 3, 3])
        XCTAssertEqual(square.config, Conv2dConfig(stride: (2, 2), padding: .symmetric(1)))

        let same = try Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, stride: 2,
                              padding: Padding2d(top: 0, left: 0, bottom: 1, right: 1))
        XCTAssertEqual(same.config.padding, Padding2d(top: 0, left: 0, bottom: 1, right: 1))
    }

    func testConv2dForwardIsTheFunctionalConvolution() throws {
        let conv = try Conv2d(inChannels: 4, outChannels: 6, kernelSize: (3, 2), stride: (2, 1),
                              padding: Padding2d(top: 0, left: 1, bottom: 1, right: 0), groups: 2)
        let x = seededTensor([2, 4, 7, 6], seed: 3)
        let y = try conv(x)
        let expected = try conv2d(x, weight: conv.weight, bias: conv.bias, conv.config)
        XCTAssertEqual(y.shape, [2, 6, 3, 6])
        XCTAssertEqual(y.toArray(), expected.toArray())
        try y.backward(gradient: Tensor.ones(y.shape))
        XCTAssertEqual(conv.weight.grad?.shape, [6, 2, 3, 2])
        XCTAssertEqual(conv.bias?.grad?.shape, [6])
    }

    func testConv2dRejectsBadArguments() throws {
        XCTAssertThrowsError(try Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2)) { error in
            guard case GraftError.invalidArgument = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Conv2d(inChannels: 3, outChannels: 4, kernelSize: 0))
        XCTAssertThrowsError(try Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, stride: 0))
        XCTAssertThrowsError(try Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: -1))
        let conv = try Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3)
        XCTAssertThrowsError(try conv(Tensor.zeros([1, 2, 5, 5]))) { error in
            guard case GraftError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
    }

    /// torch's default: weight and bias uniform in ±1/√fan_in.
    func testConv2dDefaultInitialisation() throws {
        let conv = try Conv2d(inChannels: 64, outChannels: 64, kernelSize: 3)
        let bound = 1 / Double(64 * 9).squareRoot()
        let w = conv.weight.toArray()
        XCTAssertLessThanOrEqual(w.map { abs(Double($0)) }.max()!, bound)
        XCTAssertGreaterThan(w.map { abs(Double($0)) }.max()!, 0.99 * bound)
        let (mean, std) = moments(w)
        XCTAssertEqual(mean, 0, accuracy: 0.02 * bound)
        XCTAssertEqual(std, bound / 3.0.squareRoot(), accuracy: 0.02 * bound / 3.0.squareRoot())
        let b = conv.bias!.toArray()
        XCTAssertTrue(b.allSatisfy { abs(Double($0)) <= bound })
        XCTAssertGreaterThan(Set(b).count, 60)
    }

    func testConv2dResetIsReproducible() throws {
        let a = try Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3)
        let b = try Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3)
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        try a.resetParameters(using: &g1)
        try b.resetParameters(using: &g2)
        XCTAssertEqual(a.weight.toArray(), b.weight.toArray())
        XCTAssertEqual(a.bias!.toArray(), b.bias!.toArray())
    }

    func testSequentialChainsLayers() throws {
        let conv = try Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3)
        let seq = Sequential([conv])
        seq.append(Identity())
        seq.append(Flatten())
        XCTAssertEqual(seq.children.map(\.0), ["0", "1", "2"])
        XCTAssertEqual(seq.count, 3)
        XCTAssertTrue(seq[0] === conv)
        let x = seededTensor([2, 2, 5, 5], seed: 4)
        let y = try seq(x)
        XCTAssertEqual(y.shape, [2, 27])
        XCTAssertEqual(y.toArray(), try conv(x).toArray())
        XCTAssertEqual(try Sequential()(x).toArray(), x.toArray())
    }

    func testIdentityAndFlatten() throws {
        let x = seededTensor([2, 3, 4, 5], seed: 5)
        XCTAssertTrue(try Identity()(x) === x)
        XCTAssertEqual(try Flatten()(x).shape, [2, 60])
        XCTAssertEqual(try Flatten(startDim: 2)(x).shape, [2, 3, 20])
        XCTAssertEqual(try Flatten()(x).toArray(), x.toArray())
        XCTAssertThrowsError(try Flatten(startDim: 4)(x))
    }
}
