import XCTest
@testable import GraftCore

/// Naive torch.nn.LocalResponseNorm in Double: the window of channel c runs from
/// c - size/2 to c + (size-1)/2, zero-padded, and the sum is divided by size.
func referenceLRN(_ x: [Float], _ s: [Int], size: Int, alpha: Double, beta: Double, k: Double) -> [Double] {
    let (n, c, plane) = (s[0], s[1], s[2] * s[3])
    var out = [Double](repeating: 0, count: x.count)
    for b in 0..<n { for ch in 0..<c { for p in 0..<plane {
        var sum = 0.0
        for cc in max(0, ch - size / 2)...min(c - 1, ch + (size - 1) / 2) {
            let v = Double(x[(b * c + cc) * plane + p])
            sum += v * v
        }
        let i = (b * c + ch) * plane + p
        out[i] = Double(x[i]) / Foundation.pow(k + alpha / Double(size) * sum, beta)
    }}}
    return out
}

final class LocalResponseNormTests: XCTestCase {
    struct Case { let x: [Int]; let size: Int; let alpha: Float; let beta: Float; let k: Float }

    let cases: [Case] = [
        Case(x: [2, 6, 3, 3], size: 5, alpha: 1e-4, beta: 0.75, k: 1),
        Case(x: [2, 6, 3, 3], size: 5, alpha: 0.9, beta: 0.75, k: 1),       // strong normalisation
        Case(x: [1, 3, 4, 5], size: 3, alpha: 0.5, beta: 0.6, k: 2),
        Case(x: [1, 20, 2, 3], size: 5, alpha: 1.2, beta: 0.75, k: 1),
        Case(x: [2, 16, 3, 3], size: 5, alpha: 1.0, beta: 0.75, k: 1),
        Case(x: [1, 32, 2, 2], size: 7, alpha: 2.0, beta: 0.5, k: 1.5),
        Case(x: [1, 4, 2, 2], size: 1, alpha: 0.7, beta: 1.0, k: 1),
        Case(x: [1, 3, 2, 2], size: 9, alpha: 0.8, beta: 0.75, k: 1),      // window wider than the channels
    ]

    func testForwardMatchesReference() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i))
            let y = try localResponseNorm(x, size: c.size, alpha: c.alpha, beta: c.beta, k: c.k)
            XCTAssertEqual(y.shape, c.x)
            let ref = referenceLRN(x.toArray(), c.x, size: c.size, alpha: Double(c.alpha), beta: Double(c.beta), k: Double(c.k))
            assertClose(y.toArray(), ref, "case \(i)")
        }
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.x, seed: UInt64(i), requiresGrad: true)
            try checkGradients([x]) { t in try localResponseNorm(t[0], size: c.size, alpha: c.alpha, beta: c.beta, k: c.k) }
        }
    }

    func testBlockedLayouts() throws {
        for (i, channels) in [16, 20, 32].enumerated() {
            for layout in imageLayouts {
                let x = randomTensor([2, channels, 3, 3], seed: UInt64(i), requiresGrad: true)
                let y = try localResponseNorm(inLayout(x, layout.tag), size: 5, alpha: 0.5, beta: 0.75, k: 1)
                let ref = referenceLRN(x.toArray(), x.shape, size: 5, alpha: 0.5, beta: 0.75, k: 1)
                assertClose(y.toArray(), ref, "\(channels) channels, \(layout.name)")
                try checkGradients([x]) { t in try localResponseNorm(inLayout(t[0], layout.tag), size: 5, alpha: 0.5, beta: 0.75, k: 1) }
            }
        }
    }

    /// oneDNN's window for an even size is size - 1 channels wide, PyTorch's is size wide.
    func testEvenSizeIsRejected() {
        for size in [2, 4] {
            XCTAssertThrowsError(try localResponseNorm(randomTensor([1, 8, 2, 2], seed: 5), size: size)) { error in
                guard case .invalidArgument(let op, _)? = error as? GraftError else { return XCTFail("\(error)") }
                XCTAssertEqual(op, "lrn")
            }
        }
    }

    func testBadShapeOrSizeThrows() {
        XCTAssertThrowsError(try localResponseNorm(randomTensor([2, 8], seed: 1), size: 3))
        XCTAssertThrowsError(try localResponseNorm(randomTensor([1, 8, 2, 2], seed: 1), size: 0))
    }
}
