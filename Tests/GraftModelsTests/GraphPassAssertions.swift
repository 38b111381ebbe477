import GraftCore
import GraftModels
import GraftNN
import XCTest

/// `graph`'s outputs on `x` with `model`'s parameters, as its only output's elements.
func interpretedOutput(_ graph: Graph, _ model: Module, _ x: Tensor) throws -> [Float] {
    try GradMode.withoutGradients { try interpret(graph, inputs: [x], parameters: graphParameters(of: model))[0].toArray() }
}

/// `a` equals `b` within 1e-4 of `b`'s largest magnitude.
func assertClose(_ a: [Float], _ b: [Float], _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    let largest = b.map(abs).max() ?? 0
    XCTAssertEqual(a.count, b.count, message, file: file, line: line)
    XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max() ?? .infinity, 1e-4 * largest, message, file: file, line: line)
}

/// Seeds the global generator from `spec`'s name, so that a zoo-wide test builds the same
/// random model of `spec` whatever tests ran before it.
func seedRandom(for spec: ModelSpec) {
    GlobalRandom.seed(spec.name.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
}

/// A small batch `[N, C, H, W]` of fixed values between −2 and 2, the input of the pass tests.
func passTestInput(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 37) % 29) / 7 - 2 })
}
