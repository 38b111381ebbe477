import Foundation

/// The JSON output of an evaluation: the model's (or the ensemble's) metrics, its mistakes
/// (`"misclassified"`: dataset index, true and predicted class, probability), with `"members"` when
/// there are several and `"skipped_images"` when images were left out (the `skipBad` option).
public func evaluationJSON(_ result: EvaluationResult) -> String {
    struct Ensemble: Encodable {
        let metrics: ClassificationMetrics
        let members: [Member]?
        let misclassified: [Misclassification]
        let skipped: [String]
        func encode(to encoder: Encoder) throws {
            try metrics.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            if let members { try c.encode(members, forKey: .members) }
            try c.encode(misclassified, forKey: .misclassified)
            if !skipped.isEmpty { try c.encode(skipped, forKey: .skippedImages) }
        }
        enum Key: String, CodingKey { case members, misclassified, skippedImages = "skipped_images" }
    }
    struct Member: Encodable {
        let name: String
        let top1: Double
        let top5: Double
        let n: Int
    }
    let members = result.members.count > 1
        ? result.members.map { Member(name: $0.name, top1: $0.metrics.top1, top5: $0.metrics.top5, n: $0.metrics.n) } : nil
    return jsonObjectLine(Ensemble(metrics: result.ensemble, members: members, misclassified: result.misclassified, skipped: result.skipped))
}

/// `graft evaluate`'s table: each member and the ensemble, then the per-class figures. Columns
/// are padded by display width (wide characters in names count two); top-5 is shown only when
/// there are more than five classes.
public func evaluationTable(_ result: EvaluationResult) -> String {
    var lines: [String] = []
    let width = max(8, result.members.map { displayWidth($0.name) }.max() ?? 0)
    let showsTop5 = result.ensemble.perClass.count > 5
    func row(_ name: String, _ m: ClassificationMetrics) -> String {
        padded(name, toWidth: width) + String(format: "  top-1 %6.2f%%", m.top1 * 100)
            + (showsTop5 ? String(format: "  top-5 %6.2f%%", m.top5 * 100) : "") + "  n \(m.n)"
    }
    for member in result.members { lines.append(row(member.name, member.metrics)) }
    if result.members.count > 1 { lines.append(row("ensemble", result.ensemble)) }
    lines.append("")
    let nameWidth = max(5, result.ensemble.perClass.map { displayWidth($0.name) }.max() ?? 0)
    lines.append(padded("class", toWidth: nameWidth) + "  precision  recall     F1  support")
    for c in result.ensemble.perClass {
        lines.append(padded(c.name, toWidth: nameWidth)
                     + String(format: "  %9.3f  %6.3f  %5.3f  %7d", c.precision, c.recall, c.f1, c.support))
    }
    return lines.joined(separator: "\n")
}
