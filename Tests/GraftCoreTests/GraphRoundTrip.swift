import XCTest
@testable import GraftCore

/// Asserts that `body` traced into a graph and interpreted gives what it gives eagerly, and
/// that the graph holds one node of `op`'s name.
func assertRoundTrip(_ op: String, inputs: [Tensor], parameters: [(String, Tensor)] = [], file: StaticString = #filePath,
                     line: UInt = #line, _ body: () throws -> Tensor) throws {
    let eager = try GradMode.withoutGradients { try body() }.toArray()
    let graph = try GraphRecorder(parameters: parameters, inputs: inputs).record(body)
    XCTAssertEqual(graph.nodes.map(\.op.name), [op], file: file, line: line)
    let interpreted = try interpret(graph, inputs: inputs, parameters: Dictionary(parameters, uniquingKeysWith: { a, _ in a }))
    XCTAssertEqual(interpreted.first?.toArray(), eager, file: file, line: line)
}
