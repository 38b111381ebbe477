import Foundation
import FoundationXML
import GraftCore
import GraftData
@testable import GraftTrain
import XCTest

final class TrainingReportPageTests: XCTestCase {
    static let names = ["cat", "<b>&\"x\"", "dog"]

    static func epochs(validation: Bool) -> [EpochRecord] {
        (1...5).map { e in
            EpochRecord(epoch: e, trainLoss: 2.0 / Double(e), trainTop1: 0.5 + 0.08 * Double(e),
                        valLoss: validation ? 2.2 / Double(e) : nil, valTop1: validation ? 0.45 + 0.07 * Double(e) : nil,
                        learningRate: 0.01, seconds: 3.5, imagesPerSecond: 120)
        }
    }

    static func page(validation: Bool = true) throws -> TrainingReportPage {
        let labels = [0, 0, 0, 1, 1, 2, 2, 2, 2]
        let predicted = [0, 0, 1, 1, 2, 2, 2, 2, 0]
        let probabilities = zip(labels, predicted).flatMap { _, p in (0..<3).map { $0 == p ? Float(0.8) : 0.1 } }
        let metrics = try ClassificationMetrics(probabilities: probabilities, labels: labels, classNames: names)
        var generator = RandomGenerator(seed: 3)
        let grey = try Image(width: 28, height: 28, channels: 1, pixels: (0..<784).map { _ in UInt8(generator.next() % 256) })
        let photo = try Image(width: 200, height: 150, channels: 3, pixels: (0..<90_000).map { _ in UInt8(generator.next() % 256) })
        return TrainingReportPage(
            title: "lenet5 on <shapes> & more",
            recipe: [(key: "model", value: "lenet5"), (key: "augment", value: "flip & crop <32>"), (key: "freeze", value: "head")],
            epochs: epochs(validation: validation), metrics: metrics,
            misclassified: [MisclassifiedImage(image: grey, trueClass: names[1], predictedClass: "dog", probability: 0.8),
                            MisclassifiedImage(image: photo, trueClass: "cat", predictedClass: names[1], probability: 0.61)])
    }

    /// What the XML parser saw: elements with their attributes, and the text inside each kind.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text = ""
        var cells: [String] = []
        private var inConfusion = 0, cell: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append((name, attributes))
            if name == "table" && attributes["class"] == "confusion" { inConfusion += 1 }
            if name == "td" && inConfusion > 0 { cell = "" }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "td", let c = cell { cells.append(c); cell = nil }
            if name == "table" && inConfusion > 0 { inConfusion -= 1 }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
            cell? += string
        }
    }

    func parse(_ html: String) throws -> Collector {
        let parser = XMLParser(data: Data(html.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        return collector
    }

    func testPageIsWellFormedWithCurvesMatrixAndEscapedText() throws {
        let page = try Self.page()
        let html = try page.html()
        let parsed = try parse(html)
        XCTAssertEqual(parsed.elements.first?.name, "html")

        let curves = parsed.elements.filter { $0.name == "polyline" }
        XCTAssertEqual(curves.count, 4)
        XCTAssertEqual(curves.compactMap { $0.attributes["data-series"] }, ["training", "validation", "training", "validation"])
        for curve in curves {
            let points = curve.attributes["points", default: ""].split(separator: " ")
            XCTAssertEqual(points.count, 5)
            XCTAssertTrue(points.allSatisfy { $0.split(separator: ",").count == 2 && $0.split(separator: ",").allSatisfy { Double($0) != nil } })
        }
        XCTAssertEqual(parsed.elements.filter { $0.name == "svg" }.count, 2)

        // Every count of the matrix, row by row.
        XCTAssertEqual(parsed.cells, page.metrics!.confusion.joined().map(String.init))
        XCTAssertEqual(page.metrics!.confusion, [[2, 1, 0], [0, 1, 1], [1, 0, 3]])

        // Class names and captions come out as text, escaped in the source.
        XCTAssertTrue(parsed.text.contains("<b>&\"x\""))
        XCTAssertTrue(parsed.text.contains("lenet5 on <shapes> & more"))
        XCTAssertTrue(parsed.text.contains("flip & crop <32>"))
        XCTAssertTrue(parsed.text.contains("<b>&\"x\" → dog (0.80)"))
        XCTAssertTrue(html.contains("&lt;b&gt;&amp;&quot;x&quot;"))
        XCTAssertFalse(html.contains("<b>"))

        // Per-class rows: precision, recall, F1, support.
        XCTAssertTrue(parsed.text.contains("dog0.7500.7500.750"), "dog: 3 of 4 predicted dogs right, 3 of 4 dogs found")

        // The thumbnails are inline PNGs, the larger image scaled down to 96 pixels wide.
        let images = parsed.elements.filter { $0.name == "img" }
        XCTAssertEqual(images.count, 2)
        let sizes = try images.map { element -> (Int, Int) in
            let source = try XCTUnwrap(element.attributes["src"])
            XCTAssertTrue(source.hasPrefix("data:image/png;base64,"))
            let bytes = try XCTUnwrap(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
            let image = try Image.decodePNG([UInt8](bytes))
            return (image.width, image.height)
        }
        XCTAssertTrue(sizes[0] == (28, 28) && sizes[1] == (96, 72), "\(sizes)")
        XCTAssertFalse(html.contains("src=\"http") || html.contains("href="), "nothing to fetch")
    }

    func testWithoutValidationOnlyTrainingCurves() throws {
        var page = try Self.page(validation: false)
        page.misclassified = []
        page.metrics = nil
        let parsed = try parse(try page.html())
        XCTAssertEqual(parsed.elements.filter { $0.name == "polyline" }.map { $0.attributes["data-series"] }, ["training", "training"])
        XCTAssertFalse(parsed.elements.contains { $0.name == "table" && $0.attributes["class"] == "confusion" })
        XCTAssertFalse(parsed.elements.contains { $0.name == "img" })
    }

    func testSingleEpochAndManyClasses() throws {
        let names = (0..<(TrainingReportPage.maximumMatrixClasses + 1)).map { "c\($0)" }
        let metrics = try ClassificationMetrics(probabilities: [Float](repeating: 0.5, count: names.count), labels: [0], classNames: names)
        let page = TrainingReportPage(title: "one", epochs: [Self.epochs(validation: true)[0]], metrics: metrics)
        let parsed = try parse(try page.html())
        let points = parsed.elements.filter { $0.name == "polyline" }.map { $0.attributes["points", default: ""].split(separator: " ").count }
        XCTAssertEqual(points, [1, 1, 1, 1])
        XCTAssertTrue(parsed.text.contains("101 classes are too many"))
    }

    func testDivergedEpochIsLeftOutOfItsCurve() throws {
        var page = try Self.page()
        page.epochs[2].trainLoss = .nan
        page.epochs[3].valLoss = .infinity
        let parsed = try parse(try page.html())
        let points = parsed.elements.filter { $0.name == "polyline" }.map { $0.attributes["points", default: ""].split(separator: " ").count }
        XCTAssertEqual(points, [4, 4, 5, 5])
    }

    func testWriteReplacesTheFileAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graft-report-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/report.html"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let page = try Self.page()
        try page.write(to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), try page.html())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["report.html"])
        XCTAssertThrowsError(try page.write(to: dir + "/missing/report.html"))
    }

    func testMostConfidentMistakesComeFirst() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("graft-mistakes-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (c, name) in ["a", "b"].enumerated() {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for i in 0..<2 {
                try Image(width: 10 + i, height: 12, channels: 1, pixels: [UInt8](repeating: UInt8(40 * c + i), count: (10 + i) * 12))
                    .writePNG(to: "\(root)/\(name)/\(i).png")
            }
        }
        let data = try ImageFolder(root: root)
        let mistakes = [Misclassification(index: 0, trueClass: 0, predictedClass: 1, probability: 0.6),
                        Misclassification(index: 3, trueClass: 1, predictedClass: 0, probability: 0.9),
                        Misclassification(index: 1, trueClass: 0, predictedClass: 1, probability: 0.6)]
        let shown = try MisclassifiedImage.mostConfident(mistakes, in: data, limit: 2)
        XCTAssertEqual(shown.map(\.trueClass), ["b", "a"])
        XCTAssertEqual(shown.map(\.probability), [0.9, 0.6])
        XCTAssertEqual(shown.map(\.image), [try data.image(at: 3, minimumShorterSide: nil), try data.image(at: 0, minimumShorterSide: nil)])
    }
}
