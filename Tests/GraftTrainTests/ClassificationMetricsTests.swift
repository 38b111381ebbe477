import Foundation
import GraftCore
@testable import GraftTrain
import XCTest

final class ClassificationMetricsTests: XCTestCase {
    /// Six classes: "bird" is in the labels but never predicted, "fish" predicted but never a label.
    static let names = ["cat", "dog", "bird", "fish", "frog", "owl"]
    static let labels = [0, 0, 1, 2, 2, 4, 5]
    static let probabilities: [Float] = [
        0.50, 0.20, 0.10, 0.05, 0.10, 0.05,  // cat → cat
        0.30, 0.40, 0.10, 0.05, 0.10, 0.05,  // cat → dog (truth ranked 2nd)
        0.05, 0.70, 0.05, 0.10, 0.05, 0.05,  // dog → dog
        0.25, 0.20, 0.01, 0.30, 0.14, 0.10,  // bird → fish (truth ranked last: not in the top 5)
        0.10, 0.15, 0.12, 0.08, 0.40, 0.15,  // bird → frog (truth ranked 4th)
        0.05, 0.05, 0.05, 0.05, 0.75, 0.05,  // frog → frog
        0.10, 0.10, 0.10, 0.10, 0.10, 0.50,  // owl → owl
    ]

    func testHandComputedCase() throws {
        let m = try ClassificationMetrics(probabilities: Self.probabilities, labels: Self.labels, classNames: Self.names)
        XCTAssertEqual(m.n, 7)
        XCTAssertEqual(m.top1, 4.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.top5, 6.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.confusion, [
            [1, 1, 0, 0, 0, 0],
            [0, 1, 0, 0, 0, 0],
            [0, 0, 0, 1, 1, 0],
            [0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 1],
        ])
        let expected: [(String, Double, Double, Double, Int)] = [
            ("cat", 1, 0.5, 2.0 / 3, 2),
            ("dog", 0.5, 1, 2.0 / 3, 1),
            ("bird", 0, 0, 0, 2),   // never predicted: precision 0, not NaN
            ("fish", 0, 0, 0, 0),   // never a label: recall 0, support 0
            ("frog", 0.5, 1, 2.0 / 3, 1),
            ("owl", 1, 1, 1, 1),
        ]
        XCTAssertEqual(m.perClass.count, expected.count)
        for (got, (name, precision, recall, f1, support)) in zip(m.perClass, expected) {
            XCTAssertEqual(got.name, name)
            XCTAssertEqual(got.precision, precision, accuracy: 1e-12, name)
            XCTAssertEqual(got.recall, recall, accuracy: 1e-12, name)
            XCTAssertEqual(got.f1, f1, accuracy: 1e-12, name)
            XCTAssertEqual(got.support, support, name)
        }
        XCTAssertEqual(m.classNames, Self.names)
    }

    func testTiesGoToTheLowerClassIndex() throws {
        // Two equal probabilities: the prediction is class 0, so label 1 is a miss; top-k is
        // top-2 with two classes.
        let two = try ClassificationMetrics(probabilities: [0.5, 0.5], labels: [1], classNames: ["a", "b"])
        XCTAssertEqual(two.top1, 0)
        XCTAssertEqual(two.top5, 1)
        XCTAssertEqual(two.confusion, [[0, 0], [1, 0]])
        // Seven equal probabilities: class 4 ranks 5th (in the top 5), class 6 ranks 7th.
        let flat = [Float](repeating: 1.0 / 7, count: 14)
        let seven = try ClassificationMetrics(probabilities: flat, labels: [4, 6], classNames: (0..<7).map { "c\($0)" })
        XCTAssertEqual(seven.top5, 0.5)
        XCTAssertEqual(seven.top1, 0)
    }

    func testJSONHasTheDocumentedKeys() throws {
        let m = try ClassificationMetrics(probabilities: Self.probabilities, labels: Self.labels, classNames: Self.names)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(m)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["top1", "top5", "n", "per_class", "confusion"])
        let perClass = try XCTUnwrap(object["per_class"] as? [[String: Any]])
        XCTAssertEqual(Set(perClass[0].keys), ["name", "precision", "recall", "f1", "support"])
        XCTAssertEqual(perClass[2]["name"] as? String, "bird")
        XCTAssertEqual(object["confusion"] as? [[Int]], m.confusion)
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: data), m)
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try ClassificationMetrics(probabilities: [], labels: [], classNames: ["a"])) {
            XCTAssertTrue("\($0)".contains("no labelled images to score"), "\($0)")
        }
        XCTAssertThrowsError(try ClassificationMetrics(probabilities: [0.5, 0.5, 1], labels: [0], classNames: ["a", "b"])) {
            XCTAssertTrue("\($0)".contains("[3] vs [1, 2]"), "\($0)")
        }
        XCTAssertThrowsError(try ClassificationMetrics(probabilities: [0.5, 0.5], labels: [2], classNames: ["a", "b"])) {
            XCTAssertTrue("\($0)".contains("label 2"), "\($0)")
        }
    }
}
