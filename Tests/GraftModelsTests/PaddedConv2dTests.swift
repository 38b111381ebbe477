import XCTest
import GraftCore
import GraftNN
@testable import GraftModels

/// A naive Double convolution with per-side zero padding, square kernel, stride and groups.
private func referenceConv(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], stride s: Int, groups g: Int,
                           _ p: Padding2d) -> [Double] {
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3])
    let (o, cg, k) = (ws[0], ws[1], ws[2])
    let oh = (h + p.top + p.bottom - k) / s + 1, ow = (wd + p.left + p.right - k) / s + 1
    var out = [Double](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n { for oc in 0..<o { for i in 0..<oh { for j in 0..<ow {
        var acc = 0.0
        let group = oc / (o / g)
        for ic in 0..<cg { for u in 0..<k { for v in 0..<k {
            let (y, xx) = (i * s + u - p.top, j * s + v - p.left)
            guard y >= 0, y < h, xx >= 0, xx < wd else { continue }
            acc += Double(x[((b * c + group * cg + ic) * h + y) * wd + xx]) * Double(w[((oc * cg + ic) * k + u) * k + v])
        } } }
        out[((b * o + oc) * oh + i) * ow + j] = acc
    } } } }
    return out
}

final class PaddedConv2dTests: XCTestCase {
    /// FLOPs are counted per op, so a PaddedConv2d counts as the Conv2d with the padding it
    /// computes (2 per multiply-add plus the bias), not one per output.
    func testFLOPsEqualAnEquivalentConv2d() throws {
        for (k, s, g, rule) in [(3, 2, 1, ConvPadding.tensorFlowSame), (5, 1, 8, .symmetric), (3, 1, 1, .symmetric)] {
            let padded = try PaddedConv2d(inChannels: 8, outChannels: 16, kernelSize: k, stride: s, groups: g, padding: rule)
            let p = rule.padding(height: 14, width: 14, kernel: (k, k), stride: (s, s))
            let plain = try Conv2d(inChannels: 8, outChannels: 16, kernelSize: (k, k), stride: (s, s), padding: p, groups: g)
            let a = try summarize(padded, inputShape: [8, 14, 14]), b = try summarize(plain, inputShape: [8, 14, 14])
            XCTAssertEqual(a.map(\.outputShape), b.map(\.outputShape))
            XCTAssertEqual(a.map(\.flops), b.map(\.flops), "kernel \(k) stride \(s) groups \(g)")
            let out = b[0].outputShape.reduce(1, *)
            XCTAssertEqual(a[0].flops, out * (2 * 8 / g * k * k + 1))
        }
    }

    /// TensorFlow's "SAME": for stride 2 on an even input the extra pixel goes bottom/right;
    /// on an odd input, and for stride 1, the padding is symmetric.
    func testTensorFlowSamePadding() {
        let same = ConvPadding.tensorFlowSame
        XCTAssertEqual(same.padding(height: 224, width: 224, kernel: (3, 3), stride: (2, 2)), Padding2d(top: 0, left: 0, bottom: 1, right: 1))
        XCTAssertEqual(same.padding(height: 56, width: 56, kernel: (5, 5), stride: (2, 2)), Padding2d(top: 1, left: 1, bottom: 2, right: 2))
        XCTAssertEqual(same.padding(height: 7, width: 8, kernel: (3, 3), stride: (2, 2)), Padding2d(top: 1, left: 0, bottom: 1, right: 1))
        XCTAssertEqual(same.padding(height: 14, width: 14, kernel: (5, 5), stride: (1, 1)), Padding2d(2, 2))
        XCTAssertEqual(same.padding(height: 14, width: 14, kernel: (1, 1), stride: (1, 1)), .zero)
        XCTAssertEqual(ConvPadding.symmetric.padding(height: 56, width: 56, kernel: (5, 5), stride: (2, 2)), Padding2d(2, 2))
    }

    /// Forward equals the naive reference for both rules, on an even input with stride 2 and
    /// a depthwise (grouped) kernel, and an odd input.
    func testForwardMatchesReference() throws {
        for (padding, size, stride, groups) in [(ConvPadding.tensorFlowSame, 8, 2, 4), (.tensorFlowSame, 7, 2, 1),
                                                (.symmetric, 8, 2, 4), (.tensorFlowSame, 6, 1, 2)] {
            let conv = try PaddedConv2d(inChannels: 4, outChannels: 4, kernelSize: 5, stride: stride, groups: groups,
                                        padding: padding, bias: false)
            var g = RandomGenerator(seed: 3)
            let shape = [2, 4, size, size]
            let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in g.uniform(-1, 1) })
            let y = try conv(x)
            let p = padding.padding(height: size, width: size, kernel: (5, 5), stride: (stride, stride))
            let expected = referenceConv(x.toArray(), shape, conv.weight.toArray(), conv.weight.shape, stride: stride, groups: groups, p)
            XCTAssertEqual(y.shape, [2, 4, (size + stride - 1) / stride, (size + stride - 1) / stride])
            for (a, e) in zip(y.toArray(), expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-4 * max(1, abs(e))) }
        }
    }

    func testBadArgumentsThrow() {
        XCTAssertThrowsError(try PaddedConv2d(inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2, padding: .symmetric))
        XCTAssertThrowsError(try PaddedConv2d(inChannels: 3, outChannels: 4, kernelSize: 0, padding: .symmetric))
        XCTAssertThrowsError(try PaddedConv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: .symmetric)(Tensor.zeros([3, 8, 8])))
    }
}
