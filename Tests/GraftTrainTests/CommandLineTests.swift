import Foundation
import XCTest

/// Runs the built `graft` executable (next to the test bundle) and returns its exit status and output.
func runGraft(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    var binary = products.appendingPathComponent("graft")
    if !FileManager.default.fileExists(atPath: binary.path) {
        // XCTest on Linux runs from the products directory itself.
        binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("graft")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

final class CommandLineTests: XCTestCase {
    func testUnknownModelExitsWithTheKnownModels() throws {
        let r = try runGraft(["train", "--model", "resnet9000", "--data", "/tmp"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("resnet9000") && r.stderr.contains("lenet5"), r.stderr)
    }

    func testMissingIDXFilesAreListed() throws {
        let r = try runGraft(["train", "--model", "lenet5", "--data", "/tmp"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("t10k-labels-idx1-ubyte"), r.stderr)
    }

    func testJSONLinesEndWithTheSummary() throws {
        try requireFashionMNIST()
        let r = try runGraft(["train", "--model", "lenet5", "--data", fashionMNISTDirectory, "--epochs", "2",
                              "--train-limit", "3000", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.stdout)  // start, 2 epochs, summary
        let last = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as! [String: Any]
        XCTAssertEqual(last["event"] as? String, "summary")
        XCTAssertEqual(last["epochs"] as? Int, 2)
        let top1 = try XCTUnwrap(last["test_top1"] as? Double)
        XCTAssertGreaterThan(top1, 0.5)
        XCTAssertGreaterThan(try XCTUnwrap(last["seconds"] as? Double), 0)
    }
}
