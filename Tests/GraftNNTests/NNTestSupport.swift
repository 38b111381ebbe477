import XCTest
import GraftCore

/// A row-major tensor of deterministic values in [-1, 1).
func seededTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in g.uniform(-1, 1) })
}

/// Asserts `actual` equals `expected` within `rtol` relative and `atol` absolute error, elementwise.
func assertNear(_ actual: [Float], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-7,
                _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): counts differ", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where abs(Double(a) - e) > atol + rtol * abs(e) {
        XCTFail("\(message): element \(i) is \(a), expected \(e)", file: file, line: line)
        return
    }
}

/// Mean and (population) standard deviation.
func moments(_ v: [Float]) -> (mean: Double, std: Double) {
    let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
    let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)
    return (mean, variance.squareRoot())
}
