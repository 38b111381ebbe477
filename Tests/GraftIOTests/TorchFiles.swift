import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import XCTest

/// The files `Tests/Fixtures/torch_files.py` writes with torch at test time, in a fresh
/// temporary directory, and the values they must hold.
struct TorchFiles {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch_files.py").path

    let directory: String

    /// Runs `torch_files.py make` into a new temporary directory.
    static func make() throws -> TorchFiles {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graft-io-\(UUID().uuidString)").path
        _ = try python(["make", directory])
        return TorchFiles(directory: directory)
    }

    /// Runs the script with `arguments`; returns its standard output.
    static func python(_ arguments: [String]) throws -> Data { try runPython([script] + arguments) }

    func path(_ name: String) -> String { directory + "/" + name }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    /// The expected tensors of a fixture (NAME.expected.json / .bin), in the order written.
    func expected(_ name: String) throws -> [(String, Tensor)] {
        let base = path(name)
        let table = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".expected.json"))) as! [[Any]]
        let blob = try Data(contentsOf: URL(fileURLWithPath: base + ".expected.bin"))
        return table.map { row in
            let (key, dtype, shape) = (row[0] as! String, row[1] as! String, row[2] as! [Int])
            let bytes = blob.subdata(in: (row[3] as! Int)..<(row[3] as! Int) + (row[4] as! Int))
            switch dtype {
            case "float32":
                let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                return (key, Tensor(shape: shape.isEmpty ? [1] : shape, data: values))
            case "int64":
                return (key, Tensor(int64: bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }, shape: shape))
            default:
                precondition(dtype == "int32", "unexpected dtype \(dtype)")
                let values = bytes.withUnsafeBytes { $0.bindMemory(to: Int32.self).map(Int.init) }
                return (key, try! Tensor(labels: values).reshaped(shape.isEmpty ? [1] : shape))
            }
        }
    }
}

/// The elements of a tensor as bit patterns (NaNs compared as NaN), for exact comparison.
func exactValues(_ t: Tensor) -> [String] {
    switch t.dtype {
    case .float32: return t.toArray().map { $0.isNaN ? "nan" : String($0.bitPattern, radix: 16) }
    case .int64: return t.int64Values.map { String($0) }
    case .int32: return t.labels.map { String($0) }
    }
}

/// Asserts that `actual` has the keys, order, dtypes, shapes and exact values of `expected`.
func assertExactlyEqual(_ actual: [(String, Tensor)], _ expected: [(String, Tensor)],
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.map(\.0), expected.map(\.0), "keys", file: file, line: line)
    for ((key, a), (_, e)) in zip(actual, expected) {
        XCTAssertEqual(a.dtype, e.dtype, "dtype of \(key)", file: file, line: line)
        XCTAssertEqual(a.shape, e.shape, "shape of \(key)", file: file, line: line)
        guard a.dtype == e.dtype, a.shape == e.shape else { continue }
        let (av, ev) = (exactValues(a), exactValues(e))
        if let i = av.indices.first(where: { av[$0] != ev[$0] }) {
            XCTFail("\(key)[\(i)]: \(av[i]) vs \(ev[i]) (bit patterns)", file: file, line: line)
        }
    }
}

/// Asserts that `body` throws a `WeightFileError` whose description contains every fragment.
func assertWeightError(_ body: @autoclosure () throws -> Any, contains fragments: [String],
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("no error thrown; expected one mentioning \(fragments)", file: file, line: line)
    } catch let error as WeightFileError {
        for fragment in fragments where !error.description.contains(fragment) {
            XCTFail("'\(error)' does not mention '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("\(error) is not a WeightFileError", file: file, line: line)
    }
}
