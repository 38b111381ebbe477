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
