import XCTest
@testable import GraftCore

final class SubDivTests: XCTestCase {
    /// The broadcast reference of `f` on row-major `a` and `b` of the same rank.
    private func reference(_ a: Tensor, _ b: Tensor, _ f: (Double, Double) -> Double) -> [Double] {
        let shape = zip(a.shape, b.shape).map { max($0, $1) }
        let (av, bv) = (a.toArray(), b.toArray())
        func offset(_ index: [Int], _ s: [Int]) -> Int {
            zip(index, s).reduce(0) { $0 * $1.1 + ($1.1 == 1 ? 0 : $1.0) }
        }
        var out: [Double] = [], index = Array(repeating: 0, count: shape.count)
        for _ in 0..<shape.reduce(1, *) {
            out.append(f(Double(av[offset(index, a.shape)]), Double(bv[offset(index, b.shape)])))
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }

    func testSubAndDivBroadcastEitherOperand() throws {
        for (sa, sb) in [([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [1, 3, 1, 1]), ([1, 3, 1, 1], [2, 3, 4, 5]), ([2, 1, 4, 1], [1, 3, 1, 5])] {
            let a = randomTensor(sa, seed: 1), b = try add(randomTensor(sb, seed: 2), Tensor(repeating: 2, shape: sb))
            assertClose(try sub(a, b).toArray(), reference(a, b, -), "sub \(sa) \(sb)")
            assertClose(try div(a, b).toArray(), reference(a, b, /), "div \(sa) \(sb)")
        }
    }

    func testGradientsReachBothOperands() throws {
        let a = randomTensor([2, 3, 2, 2], seed: 3, requiresGrad: true)
        let b = randomTensor([1, 3, 1, 1], seed: 4)
        b.withUnsafeMutableFloats { for i in 0..<$0.count { $0[i] += 2 } }
        b.requiresGrad = true
        try checkGradients([a, b]) { try sub($0[0], $0[1]) }
        try checkGradients([a, b]) { try div($0[0], $0[1]) }
        let d = randomTensor([2, 3, 2, 2], seed: 7)
        d.withUnsafeMutableFloats { for i in 0..<$0.count { $0[i] += 3 } }
        d.requiresGrad = true
        try checkGradients([b, d]) { try div($0[0], $0[1]) }
    }

    func testTheyRecordAndInterpret() throws {
        let a = randomTensor([2, 4], seed: 5), b = randomTensor([1, 4], seed: 6)
        try assertRoundTrip("sub", inputs: [a, b]) { try sub(b, a) }
        try assertRoundTrip("div", inputs: [a, b]) { try div(a, b) }
    }
}
