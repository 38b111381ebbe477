import Foundation
import XCTest
@testable import GraftCore

/// torch.nn.functional.cross_entropy (mean reduction, class weights, label smoothing) in Double.
func referenceCrossEntropy(_ logits: [Float], n: Int, c: Int, labels: [Int], weight: [Float]?, smoothing: Double) -> Double {
    let w = weight.map { $0.map(Double.init) } ?? [Double](repeating: 1, count: c)
    var nll = 0.0, smooth = 0.0, total = 0.0
    for i in 0..<n {
        let row = (0..<c).map { Double(logits[i * c + $0]) }
        let m = row.max()!
        let lse = m + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp($1 - m) })
        nll -= w[labels[i]] * (row[labels[i]] - lse)
        for k in 0..<c { smooth -= w[k] * (row[k] - lse) }
        total += w[labels[i]]
    }
    return (1 - smoothing) * nll / total + smoothing / Double(c) * smooth / total
}

final class CrossEntropyTests: XCTestCase {
    struct Case { let n: Int; let c: Int; let labels: [Int]; let weighted: Bool; let smoothing: Float }

    let cases: [Case] = [
        Case(n: 5, c: 3, labels: [0, 2, 1, 2, 2], weighted: false, smoothing: 0),
        Case(n: 5, c: 3, labels: [0, 2, 1, 2, 2], weighted: true, smoothing: 0),
        Case(n: 5, c: 3, labels: [0, 2, 1, 2, 2], weighted: false, smoothing: 0.1),
        Case(n: 5, c: 3, labels: [0, 2, 1, 2, 2], weighted: true, smoothing: 0.1),
        Case(n: 4, c: 10, labels: [9, 0, 9, 3], weighted: true, smoothing: 0.3),
        Case(n: 1, c: 2, labels: [1], weighted: true, smoothing: 1),
        Case(n: 7, c: 1, labels: [0, 0, 0, 0, 0, 0, 0], weighted: false, smoothing: 0.2),
        Case(n: 6, c: 20, labels: [19, 4, 4, 0, 11, 7], weighted: false, smoothing: 0.05),
    ]

    func inputs(_ c: Case, _ i: Int, requiresGrad: Bool = false) -> (Tensor, Tensor?) {
        let logits = Tensor(shape: [c.n, c.c], data: randomValues(c.n * c.c, seed: UInt64(i)).map { 4 * $0 })
        logits.requiresGrad = requiresGrad
        // Positive class weights in [0.25, 2).
        let weight = c.weighted ? Tensor(shape: [c.c], data: randomValues(c.c, seed: UInt64(100 + i)).map { 1.125 + 0.875 * $0 }) : nil
        return (logits, weight)
    }

    func testForwardMatchesReference() throws {
        for (i, c) in cases.enumerated() {
            let (logits, weight) = inputs(c, i)
            let loss = try crossEntropy(logits, labels: Tensor(labels: c.labels), weight: weight, labelSmoothing: c.smoothing)
            XCTAssertEqual(loss.shape, [1])
            let ref = referenceCrossEntropy(logits.toArray(), n: c.n, c: c.c, labels: c.labels, weight: weight?.toArray(),
                                            smoothing: Double(c.smoothing))
            assertClose(loss.toArray(), [ref], "case \(i)")
        }
    }

    func testKnownValues() throws {
        // Uniform logits over C = 4 classes: logp ≡ −log 4. Unweighted, the loss is log 4 for
        // any smoothing; with weights torch normalises the smoothing term by Σᵢ w[yᵢ] too, so it
        // is (1 − ε)·log 4 + (ε/C)·N·Σ_c w[c] / Σᵢ w[yᵢ] · log 4.
        let logits = Tensor.zeros([3, 4]), labels = Tensor(labels: [0, 3, 1])
        XCTAssertEqual(try crossEntropy(logits, labels: labels, labelSmoothing: 0.2).item, Float(Foundation.log(4.0)), accuracy: 1e-5)
        let weighted = try crossEntropy(logits, labels: labels, weight: Tensor(shape: [4], data: [1, 2, 3, 4]), labelSmoothing: 0.2)
        XCTAssertEqual(Double(weighted.item), (0.8 + 0.05 * 3 * 10 / 7) * Foundation.log(4.0), accuracy: 1e-5)
    }

    func testBackwardMatchesFiniteDifferences() throws {
        for (i, c) in cases.enumerated() {
            let (logits, weight) = inputs(c, i, requiresGrad: true)
            let labels = Tensor(labels: c.labels)
            try checkGradients([logits], eps: 1e-3) {
                try crossEntropy($0[0], labels: labels, weight: weight, labelSmoothing: c.smoothing)
            }
        }
        // Logits computed by other ops, and a scaled loss as for an auxiliary head.
        let x = randomTensor([4, 6], seed: 50, requiresGrad: true)
        let b = randomTensor([1, 6], seed: 51, requiresGrad: true)
        try checkGradients([x, b], eps: 1e-3) {
            try scale(crossEntropy(mul($0[0], $0[1]), labels: Tensor(labels: [5, 0, 2, 2]), labelSmoothing: 0.1), by: 0.4)
        }
    }

    func testShapeMismatchNamesOpAndShapes() {
        let logits = randomTensor([4, 5], seed: 1)
        assertShapeError("cross_entropy", [4, 5], [3]) { try crossEntropy(logits, labels: Tensor(labels: [0, 1, 2])) }
        assertShapeError("cross_entropy", [4, 5], [4]) {
            try crossEntropy(logits, labels: Tensor(labels: [0, 1, 2, 3]), weight: Tensor.ones([4]))
        }
        assertShapeError("cross_entropy", [4, 5, 1], [4]) {
            try crossEntropy(randomTensor([4, 5, 1], seed: 2), labels: Tensor(labels: [0, 1, 2, 3]))
        }
    }

    func testRejectsBadLabelsAndSmoothing() {
        let logits = randomTensor([3, 5], seed: 1)
        for (labels, bad) in [([0, 5, 1], "label 5"), ([0, 1, -1], "label -1")] {
            XCTAssertThrowsError(try crossEntropy(logits, labels: Tensor(labels: labels))) { error in
                guard case GraftError.invalidArgument(op: "cross_entropy", let detail) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(detail.contains(bad), detail)
            }
        }
        XCTAssertThrowsError(try crossEntropy(logits, labels: Tensor(shape: [3], data: [0, 1, 2])))
        XCTAssertThrowsError(try crossEntropy(logits, labels: Tensor(labels: [0, 1, 2]), labelSmoothing: 1.5))
        XCTAssertThrowsError(try crossEntropy(logits, labels: Tensor(labels: [0, 1, 2]), labelSmoothing: -0.1))
    }
}
