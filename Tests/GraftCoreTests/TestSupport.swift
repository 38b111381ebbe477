import XCTest
@testable import GraftCore

/// Deterministic test values in [-1, 1).
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var g = RandomGenerator(seed: seed)
    return (0..<count).map { _ in g.uniform(-1, 1) }
}

/// A row-major tensor of deterministic random values.
func randomTensor(_ shape: [Int], seed: UInt64, requiresGrad: Bool = false) -> Tensor {
    let t = Tensor(shape: shape, data: randomValues(shape.reduce(1, *), seed: seed))
    t.requiresGrad = requiresGrad
    return t
}

/// Asserts `actual` equals the Double reference within `rtol` relative (and `atol` absolute) error.
func assertClose(_ actual: [Float], _ expected: [Double], rtol: Double = 1e-4, atol: Double = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): counts differ", file: file, line: line)
    var worst = 0.0, worstIndex = -1
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let err = abs(Double(a) - e) - (atol + rtol * abs(e))
        if err > worst { worst = err; worstIndex = i }
    }
    if worstIndex >= 0 {
        XCTFail("\(message): element \(worstIndex) is \(actual[worstIndex]), expected \(expected[worstIndex])",
                file: file, line: line)
    }
}

/// Checks the gradients `backward()` computes for every input that requires one against
/// central finite differences of L = Σ f(inputs) · r, for a fixed random probe r.
func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                    file: StaticString = #filePath, line: UInt = #line,
                    _ f: ([Tensor]) throws -> Tensor) throws {
    let out = try f(inputs)
    let probe = randomValues(out.count, seed: 99)
    func loss() throws -> Double {
        let y = try GradMode.withoutGradients { try f(inputs) }.toArray()
        return zip(y, probe).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    for t in inputs { t.zeroGrad() }
    try out.backward(gradient: Tensor(shape: out.shape, data: probe))
    for (k, t) in inputs.enumerated() where t.requiresGrad {
        guard let g = t.grad else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        let analytic = g.toArray()
        var numeric = [Double](repeating: 0, count: t.count)
        for i in 0..<t.count {
            let original = t.withUnsafeMutableFloats { $0[i] }
            t.withUnsafeMutableFloats { $0[i] = original + eps }
            let plus = try loss()
            t.withUnsafeMutableFloats { $0[i] = original - eps }
            let minus = try loss()
            t.withUnsafeMutableFloats { $0[i] = original }
            numeric[i] = (plus - minus) / (2 * Double(eps))
        }
        assertClose(analytic, numeric, rtol: rtol, atol: atol, "gradient of input \(k)", file: file, line: line)
    }
}

/// Asserts that `body` throws a `GraftError.shapeMismatch` whose message names `op` and both shapes.
func assertShapeError(_ op: String, _ lhs: [Int], _ rhs: [Int], file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> Tensor) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        let text = "\(error)"
        XCTAssertTrue(text.hasPrefix(op), "message \(text) does not start with \(op)", file: file, line: line)
        XCTAssertTrue(text.contains(shapeString(lhs)) && text.contains(shapeString(rhs)),
                      "message \(text) does not name \(shapeString(lhs)) and \(shapeString(rhs))", file: file, line: line)
    }
}
