import Foundation

extension Prediction {
    /// `{"path": …, "predictions": [{"index": …, "label": …, "probability": …}], "logits": [...]}`;
    /// a non-finite number is written as the string "nan", "inf" or "-inf".
    public func jsonLine(includeLogits: Bool) -> String {
        struct Entry: Encodable {
            let index: Int
            let label: String?
            let probability: Double
        }
        struct Line: Encodable {
            let path: String
            let predictions: [Entry]
            let logits: [Double]?
        }
        return jsonObjectLine(Line(path: path,
                                   predictions: top.map { Entry(index: $0.index, label: $0.label, probability: Double($0.probability)) },
                                   logits: includeLogits ? logits.map(Double.init) : nil))
    }

    /// The path, then one line per class: rank, probability, label and index.
    public var table: String {
        var lines = [path]
        for (rank, score) in top.enumerated() {
            let name = score.label.map { "\($0) (\(score.index))" } ?? "class \(score.index)"
            lines.append(String(format: "%4d  %6.2f%%  ", rank + 1, 100 * score.probability) + name)
        }
        return lines.joined(separator: "\n")
    }
}
