import XCTest
import GraftCore
import GraftNN
import GraftTestSupport

/// Asserts that `model.stateDict()` has torch's keys, in torch's order, with torch's shapes.
func assertSameStateDictLayout(_ model: Module, _ keys: [(name: String, shape: [Int], dtype: String)],
                               file: StaticString = #filePath, line: UInt = #line) {
    let ours = model.stateDict()
    XCTAssertEqual(ours.map(\.0), keys.map(\.name), "state-dict keys or their order differ", file: file, line: line)
    for ((name, tensor), key) in zip(ours, keys) where tensor.shape != key.shape {
        XCTFail("\(name): shape \(tensor.shape), torch has \(key.shape)", file: file, line: line)
    }
}

/// Population standard deviation.
func standardDeviation(_ v: [Float]) -> Double {
    let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
    return (v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)).squareRoot()
}

/// Asserts that every float parameter or buffer with at least 4096 elements was drawn with
/// the same spread as torch's (standard deviations within 5 %): the initialisation's parity.
func assertSameInitialisation(_ model: Module, _ reference: [(String, Tensor)],
                              file: StaticString = #filePath, line: UInt = #line) {
    let ours = Dictionary(model.namedParameters(), uniquingKeysWith: { a, _ in a })
    var checked = 0
    for (name, torchTensor) in reference where torchTensor.dtype == .float32 && torchTensor.count >= 4096 {
        guard let mine = ours[name] else { continue }
        let (a, b) = (standardDeviation(mine.toArray()), standardDeviation(torchTensor.toArray()))
        XCTAssertEqual(a, b, accuracy: 0.05 * b, "\(name): std \(a), torch's \(b)", file: file, line: line)
        checked += 1
    }
    XCTAssertGreaterThan(checked, 0, "no tensor compared", file: file, line: line)
}

/// Asserts that the float tensors of `model.stateDict()` equal `reference` (same keys, in
/// order) within `tolerance` × the largest magnitude of each reference tensor.
func assertSameFloats(_ model: Module, _ reference: [(String, Tensor)], tolerance: Float,
                      file: StaticString = #filePath, line: UInt = #line) {
    let ours = model.stateDict()
    XCTAssertEqual(ours.map(\.0), reference.map(\.0), file: file, line: line)
    for ((name, mine), (_, theirs)) in zip(ours, reference) where theirs.dtype == .float32 {
        let d = maxRelativeDifference(mine.toArray(), theirs.toArray())
        XCTAssertLessThan(d, tolerance, "\(name) differs from torch's by \(d) relative", file: file, line: line)
    }
}
