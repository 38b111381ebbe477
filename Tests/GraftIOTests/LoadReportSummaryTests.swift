import XCTest
@testable import GraftIO

/// A weight file for another model names hundreds of keys; the message stays a few lines.
final class LoadReportSummaryTests: XCTestCase {
    func testAnotherArchitectureIsSummarised() {
        var report = LoadReport()
        report.loaded = ["fc.bias"]
        report.missing = (0..<200).map { "layer\($0 / 10).\($0 % 10).conv.weight" }
        report.unexpected = (0..<150).map { "features.\($0).weight" }
        let message = WeightFileError.incompatible(file: "run/last.safetensors", report: report).description
        XCTAssertLessThan(message.count, 600, message)
        for fragment in ["run/last.safetensors", "200 missing keys: layer0.0.conv.weight, layer0.1.conv.weight, layer0.2.conv.weight and 197 more",
                         "150 unexpected keys: features.0.weight", "another architecture", "graft inspect"] {
            XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)")
        }
    }

    func testAFewKeysAreAllNamedWithoutAHint() {
        var report = LoadReport()
        report.loaded = ["a", "b", "c"]
        report.missing = ["d"]
        XCTAssertEqual(report.description, "3 loaded; missing keys: d")
    }
}
