import GraftCore

/// Precision, recall and F1 of one class, with its support (samples whose true class it is).
/// A class never predicted has precision 0 and one absent from the labels recall 0; F1 is 0
/// when both are 0. No figure is ever NaN.
public struct ClassMetrics: Codable, Sendable, Equatable {
    public var name: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int

    public init(name: String, precision: Double, recall: Double, f1: Double, support: Int) {
        self.name = name; self.precision = precision; self.recall = recall; self.f1 = f1; self.support = support
    }
}

/// How well class probabilities match labels. Encodes as
/// `{"top1": …, "top5": …, "n": …, "per_class": [{"name", "precision", "recall", "f1", "support"}, …], "confusion": [[…]]}`.
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    /// Share of samples whose most probable class is the true one.
    public var top1: Double
    /// Share of samples whose true class is among the `min(5, classes)` most probable.
    public var top5: Double
    /// Number of samples.
    public var n: Int
    /// One entry per class, in class order.
    public var perClass: [ClassMetrics]
    /// `confusion[t][p]`: samples of true class `t` predicted as `p` (a non-finite prediction is in no column).
    public var confusion: [[Int]]

    enum CodingKeys: String, CodingKey {
        case top1, top5, n, perClass = "per_class", confusion
    }

    /// The metrics of `probabilities`, row-major `[N, C]` with `C = classNames.count`, against
    /// `labels` (`N` class indices). Ranking breaks ties toward the lower class index, as the
    /// predicted class (`argmax`) does. A row with a NaN or infinite probability (a diverged
    /// model) predicts no class: it is wrong for top-1 and top-5, counts in its class's support
    /// and recall, and has no column in the confusion matrix. Throws `GraftError` when there are no samples or
    /// classes, the sizes disagree, or a label is out of range.
    public init(probabilities: [Float], labels: [Int], classNames: [String]) throws {
        let op = "scoring", c = classNames.count, n = labels.count
        guard c > 0, n > 0 else {
            throw GraftError.invalidState(n == 0 ? "there are no labelled images to score: the data set is empty (or every image was skipped)"
                                                 : "there are no classes to score")
        }
        guard probabilities.count == n * c else {
            throw GraftError.shapeMismatch(op: op, detail: "probabilities vs labels × classes", lhs: [probabilities.count], rhs: [n, c])
        }
        if let bad = labels.first(where: { !(0..<c).contains($0) }) {
            throw GraftError.invalidArgument(op: op, detail: "label \(bad) is not a class index in 0..<\(c)")
        }
        let k = min(5, c)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: c), count: c)
        var support = [Int](repeating: 0, count: c)
        var inTopK = 0
        for (i, label) in labels.enumerated() {
            let row = probabilities[(i * c)..<((i + 1) * c)]
            support[label] += 1
            guard let predicted = ScoreRanking.predictedClass(row), let rank = ScoreRanking.rank(of: label, in: row) else { continue }
            confusion[label][predicted] += 1
            if rank < k { inTopK += 1 }
        }
        let correct = (0..<c).reduce(0) { $0 + confusion[$1][$1] }
        perClass = classNames.enumerated().map { t, name in
            let support = support[t]
            let predicted = confusion.reduce(0) { $0 + $1[t] }
            let hits = Double(confusion[t][t])
            let precision = predicted == 0 ? 0 : hits / Double(predicted)
            let recall = support == 0 ? 0 : hits / Double(support)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            return ClassMetrics(name: name, precision: precision, recall: recall, f1: f1, support: support)
        }
        top1 = Double(correct) / Double(n)
        top5 = Double(inTopK) / Double(n)
        self.n = n
        self.confusion = confusion
    }

    /// Class names in class order.
    public var classNames: [String] { perClass.map(\.name) }
}
