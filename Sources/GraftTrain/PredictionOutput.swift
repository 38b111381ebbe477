import Foundation

extension Prediction {
    /// `{"path": …, "predictions": [{"index": …, "label": …, "probability": …}], "logits": [...]}`.
    public func jsonLine(includeLogits: Bool) -> String {
        var object: [String: Any] = [
            "path": path,
            "predictions": top.map { score -> [String: Any] in
                var entry: [String: Any] = ["index": score.index, "probability": Double(score.probability)]
                if let label = score.label { entry["label"] = label }
                return entry
            },
        ]
        if includeLogits { object["logits"] = logits.map(Double.init) }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
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
