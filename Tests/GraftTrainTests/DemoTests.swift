import Foundation
import GraftCore
import GraftHub
@testable import GraftTrain
import XCTest

final class DemoTests: XCTestCase {
    /// A rerun scale that makes no usable learning rate is refused before any way runs.
    func testBadRerunScaleIsRefusedBeforeAnyRun() throws {
        for bad: Float in [0, -0.5, .nan, .infinity, 1e-44] {
            var o = DemoOptions(data: "/nonexistent")
            o.rerunLearningRateScale = bad
            let reporter = CollectingReporter()
            XCTAssertThrowsError(try runDemo(o, reporter: reporter, store: try XCTUnwrap(nil as WeightStore?))) { error in
                XCTAssertTrue("\(error)".contains("rerun learning-rate scale"), "\(error)")
            }
            XCTAssertTrue(reporter.notes.isEmpty, "\(reporter.notes)")
        }
    }

    /// The table shows each row's learning rate, so that a rerun reads apart from its first run.
    func testTableShowsEachRunsLearningRate() {
        func row(_ lr: Float, _ top1: Double, pretrained: Bool = true) -> DemoRow {
            DemoRow(way: "w", freeze: "head", pretrained: pretrained, epochs: 2, learningRate: lr, valTop1: nil,
                    testTop1: top1, testTop5: 0.9, seconds: 1.4)
        }
        let table = demoTable([row(3e-3, 0.6), row(3e-3 * 0.3, 0.5), row(1e-3, 0.2, pretrained: false), row(3e-4, 0.3, pretrained: false)])
        XCTAssertTrue(table.contains("| w | head | ImageNet | 2 | 0.003 | 60.00% | 90.00% | 1 s |"), table)
        XCTAssertTrue(table.contains("| w | head | ImageNet | 2 | 0.0009 | 50.00% |"), table)
        XCTAssertTrue(table.contains("by 30.0 points"), table)   // the best of each kind: 60% against 30%
    }
}
