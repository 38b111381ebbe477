import Foundation
import GraftCore
import GraftData

/// A misclassified image as the report shows it: a thumbnail captioned "true → predicted (p)".
public struct MisclassifiedImage {
    public var image: Image
    public var trueClass: String
    public var predictedClass: String
    /// The probability of the predicted class.
    public var probability: Float

    public init(image: Image, trueClass: String, predictedClass: String, probability: Float) {
        self.image = image; self.trueClass = trueClass; self.predictedClass = predictedClass; self.probability = probability
    }

    /// The `limit` most confident of `mistakes` (ties: dataset order), decoded from `dataset`
    /// with class names from its `classNames`.
    public static func mostConfident(_ mistakes: [Misclassification], in dataset: any Dataset, limit: Int = 24) throws -> [MisclassifiedImage] {
        let names = dataset.classNames
        let chosen = mistakes.enumerated()
            .sorted { $0.element.probability > $1.element.probability || ($0.element.probability == $1.element.probability && $0.offset < $1.offset) }
            .prefix(max(limit, 0)).map(\.element)
        return try chosen.map { m in
            MisclassifiedImage(image: try dataset.image(at: m.index, minimumShorterSide: TrainingReportPage.thumbnailSide),
                               trueClass: names[m.trueClass], predictedClass: names[m.predictedClass], probability: m.probability)
        }
    }
}

/// The `report.html` of a training run: one self-contained XHTML page (inline CSS, SVG and
/// PNG data URIs; nothing to fetch) with the recipe, the loss and accuracy curves per epoch,
/// the confusion matrix as a heat map, the per-class table and a strip of misclassified
/// images. All text is escaped. A curve has a point per epoch that has its value, except
/// non-finite ones (a diverged loss).
public struct TrainingReportPage {
    public var title: String
    /// The recipe's settings, in display order.
    public var recipe: [(key: String, value: String)]
    public var epochs: [EpochRecord]
    /// Final validation (or test) metrics; nil leaves out the matrix and the per-class table.
    public var metrics: ClassificationMetrics?
    public var misclassified: [MisclassifiedImage]
    /// Images left out because they failed to decode (the `skipBad` option), described by their errors.
    public var skippedImages: [String]

    /// Thumbnails are at most this many pixels on their longer side.
    public static let thumbnailSide = 96
    /// Above this many classes the page leaves out the confusion matrix (it says so).
    public static let maximumMatrixClasses = 100

    public init(title: String, recipe: [(key: String, value: String)] = [], epochs: [EpochRecord] = [],
                metrics: ClassificationMetrics? = nil, misclassified: [MisclassifiedImage] = [], skippedImages: [String] = []) {
        self.title = title; self.recipe = recipe; self.epochs = epochs; self.metrics = metrics; self.misclassified = misclassified
        self.skippedImages = skippedImages
    }

    /// Writes the page to `path` atomically (a temporary file renamed over it).
    public func write(to path: String) throws {
        do {
            try Data(html().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DataError.unwritable(file: path, reason: fileErrorReason(error))
        }
    }

    /// The page's text.
    public func html() throws -> String {
        var body = "<h1>\(title.xmlEscaped)</h1>"
        body += summary()
        if !recipe.isEmpty {
            body += "<section><h2>Recipe</h2><table class=\"kv\"><tbody>"
            for (key, value) in recipe { body += "<tr><th>\(key.xmlEscaped)</th><td>\(value.xmlEscaped)</td></tr>" }
            body += "</tbody></table></section>"
        }
        if !epochs.isEmpty { body += curves() }
        if let metrics {
            body += confusionMatrix(metrics)
            body += perClassTable(metrics)
        }
        if !misclassified.isEmpty { body += try strip() }
        if !skippedImages.isEmpty {
            body += "<section><h2>Skipped images</h2><p class=\"note\">\(skippedImages.count) image\(skippedImages.count == 1 ? "" : "s") failed to decode and \(skippedImages.count == 1 ? "was" : "were") left out (the run skipped bad images).</p><ul>"
            for text in skippedImages { body += "<li>\(text.xmlEscaped)</li>" }
            body += "</ul></section>"
        }
        return """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>\
        <meta name="viewport" content="width=device-width, initial-scale=1"/>\
        <title>\(title.xmlEscaped)</title><style>\(TrainingReportPage.style)</style></head>
        <body><main>\(body)<footer>Written by Graft.</footer></main></body></html>

        """
    }

    private func percent(_ v: Double) -> String { String(format: "%.2f%%", 100 * v) }

    private func summary() -> String {
        var cards: [(String, String)] = []
        if let metrics {
            cards.append(("top-1", percent(metrics.top1)))
            if metrics.perClass.count > 5 { cards.append(("top-5", percent(metrics.top5))) }
            cards.append(("images", "\(metrics.n)"))
        }
        if let best = epochs.filter({ $0.valTop1 != nil }).max(by: { $0.valTop1! < $1.valTop1! }) {
            cards.append(("best val top-1", "\(percent(best.valTop1!)) (epoch \(best.epoch))"))
        }
        if !skippedImages.isEmpty { cards.append(("skipped images", "\(skippedImages.count)")) }
        if !epochs.isEmpty {
            cards.append(("epochs", "\(epochs.count)"))
            cards.append(("training time", String(format: "%.1f s", epochs.reduce(0) { $0 + $1.seconds })))
        }
        guard !cards.isEmpty else { return "" }
        return "<div class=\"cards\">" + cards.map { "<div class=\"card\"><div class=\"label\">\($0.0.xmlEscaped)</div><div class=\"value\">\($0.1.xmlEscaped)</div></div>" }.joined() + "</div>"
    }

    private func curves() -> String {
        let train = "#2563eb", val = "#ea580c"
        func points(_ value: (EpochRecord) -> Double?) -> [(x: Double, y: Double)] {
            epochs.compactMap { r in value(r).flatMap { $0.isFinite ? (Double(r.epoch), $0) : nil } }
        }
        let loss = LineChartSVG(title: "Loss", yLabel: "loss", series: [
            .init(name: "training", color: train, points: points { $0.trainLoss }),
            .init(name: "validation", color: val, points: points { $0.valLoss }),
        ], yLimits: 0...Double.greatestFiniteMagnitude)
        let accuracy = LineChartSVG(title: "Top-1 accuracy", yLabel: "top-1", series: [
            .init(name: "training", color: train, points: points { $0.trainTop1 }),
            .init(name: "validation", color: val, points: points { $0.valTop1 }),
        ], yLimits: 0...1, percent: true)
        return "<section><h2>Training curves</h2><div class=\"charts\">\(loss.svg())\(accuracy.svg())</div></section>"
    }

    private func confusionMatrix(_ m: ClassificationMetrics) -> String {
        let names = m.classNames
        var s = "<section><h2>Confusion matrix</h2>"
        guard names.count <= TrainingReportPage.maximumMatrixClasses else {
            return s + "<p class=\"note\">Left out: \(names.count) classes are too many to show (at most \(TrainingReportPage.maximumMatrixClasses)).</p></section>"
        }
        s += "<p class=\"note\">Rows: true class; columns: predicted class. Shading: share of the row.</p>"
        s += "<div class=\"scroll\"><table class=\"confusion\"><thead><tr><th class=\"corner\">true \\ predicted</th>"
        for name in names { s += "<th class=\"column\"><span>\(name.xmlEscaped)</span></th>" }
        s += "</tr></thead><tbody>"
        for (t, row) in m.confusion.enumerated() {
            let total = max(row.reduce(0, +), 1)
            s += "<tr><th>\(names[t].xmlEscaped)</th>"
            for (p, count) in row.enumerated() {
                guard count > 0 else { s += "<td class=\"zero\">0</td>"; continue }
                let share = Double(count) / Double(total)
                let alpha = 0.12 + 0.83 * share
                let rgb = t == p ? "22, 163, 74" : "220, 38, 38"
                let ink = alpha > 0.55 ? "#fff" : "#1f2937"
                s += "<td style=\"background: rgba(\(rgb), \(String(format: "%.3f", alpha))); color: \(ink)\">\(count)</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table></div></section>"
    }

    private func perClassTable(_ m: ClassificationMetrics) -> String {
        func f(_ v: Double) -> String { String(format: "%.3f", v) }
        var s = "<section><h2>Per class</h2><div class=\"scroll\"><table class=\"classes\"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>"
        for c in m.perClass {
            s += "<tr><th>\(c.name.xmlEscaped)</th><td>\(f(c.precision))</td><td>\(f(c.recall))</td>"
            s += "<td><span class=\"track\"><span class=\"bar\" style=\"width: \(String(format: "%.1f", 100 * c.f1))%\"></span></span>\(f(c.f1))</td><td>\(c.support)</td></tr>"
        }
        let k = Double(max(m.perClass.count, 1))
        let mean = { (key: KeyPath<ClassMetrics, Double>) in f(m.perClass.reduce(0) { $0 + $1[keyPath: key] } / k) }
        s += "</tbody><tfoot><tr><th>macro average</th><td>\(mean(\.precision))</td><td>\(mean(\.recall))</td><td>\(mean(\.f1))</td><td>\(m.n)</td></tr></tfoot>"
        return s + "</table></div></section>"
    }

    private func strip() throws -> String {
        var s = "<section><h2>Misclassified images</h2><p class=\"note\">Captions: true class → predicted class (its probability).</p><div class=\"strip\">"
        for m in misclassified {
            let png = try thumbnail(m.image).encodePNG()
            let caption = "\(m.trueClass) → \(m.predictedClass) (\(String(format: "%.2f", m.probability)))"
            s += "<figure><img src=\"data:image/png;base64,\(Data(png).base64EncodedString())\" alt=\"\(caption.xmlEscaped)\"/>"
            s += "<figcaption>\(caption.xmlEscaped)</figcaption></figure>"
        }
        return s + "</div></section>"
    }

    /// The image scaled down so that its longer side is at most `thumbnailSide`.
    private func thumbnail(_ image: Image) throws -> Image {
        let side = TrainingReportPage.thumbnailSide, longer = max(image.width, image.height)
        guard longer > side else { return image }
        return try image.resize(width: max(1, image.width * side / longer), height: max(1, image.height * side / longer))
    }

    static let style = """
    body { margin: 0; background: #f5f6f8; color: #1f2937; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    main { max-width: 1120px; margin: 0 auto; padding: 24px; }
    h1 { font-size: 24px; margin: 0 0 16px; }
    h2 { font-size: 17px; margin: 0 0 12px; }
    section { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 16px 20px; margin: 16px 0; }
    .cards { display: flex; flex-wrap: wrap; gap: 12px; }
    .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 10px 16px; min-width: 120px; }
    .card .label { color: #6b7280; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
    .card .value { font-size: 20px; font-weight: 600; }
    table { border-collapse: collapse; }
    th, td { padding: 4px 10px; text-align: left; }
    .kv th { color: #6b7280; font-weight: 500; }
    .kv td { font-family: ui-monospace, Menlo, Consolas, monospace; }
    .kv tr, .classes tbody tr { border-top: 1px solid #f0f1f3; }
    .classes td, .classes th + th { text-align: right; font-variant-numeric: tabular-nums; }
    .classes tfoot { border-top: 2px solid #d1d5db; font-weight: 600; }
    .track { display: inline-block; width: 60px; height: 8px; margin-right: 8px; background: #eef2f7; border-radius: 2px; vertical-align: middle; }
    .bar { display: block; height: 100%; background: #93c5fd; border-radius: 2px; }
    .confusion td { text-align: center; min-width: 34px; border: 1px solid #fff; font-variant-numeric: tabular-nums; }
    .confusion td.zero { color: #c4c8cf; }
    .confusion th.column { vertical-align: bottom; padding: 4px 2px; }
    .confusion th.column span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
    .confusion th.corner { color: #6b7280; font-weight: 500; font-size: 12px; vertical-align: bottom; }
    .scroll { overflow-x: auto; }
    .note { color: #6b7280; font-size: 12px; margin: 0 0 8px; }
    .charts { display: flex; flex-wrap: wrap; gap: 16px; }
    .chart { width: 100%; max-width: 520px; height: auto; }
    .chart .grid { stroke: #eef0f3; }
    .chart .axis { stroke: #9ca3af; }
    .chart text { fill: #4b5563; font-size: 11px; font-family: system-ui, sans-serif; }
    .chart .chart-title { font-size: 13px; font-weight: 600; fill: #1f2937; }
    .strip { display: flex; flex-wrap: wrap; gap: 12px; }
    figure { margin: 0; width: 112px; }
    figure img { width: 96px; height: 96px; object-fit: contain; image-rendering: pixelated; background: #111; border-radius: 6px; display: block; margin: 0 auto; }
    figcaption { font-size: 11px; text-align: center; margin-top: 4px; overflow-wrap: anywhere; }
    footer { color: #9ca3af; font-size: 12px; text-align: center; margin-top: 24px; }
    """
}
