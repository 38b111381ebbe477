/// The predicted class of each row of a row-major `[N, C]` array of logits; nil for a row
/// with a non-finite logit (it matches no label).
func argmaxRows(_ logits: [Float], classes: Int) -> [Int?] {
    stride(from: 0, to: logits.count, by: classes).map { start in
        ScoreRanking.predictedClass(logits[start..<(start + classes)])
    }
}

/// Running mean of a loss and top-1 accuracy over batches.
struct RunningScore {
    private(set) var lossSum = 0.0
    private(set) var correct = 0
    private(set) var seen = 0

    mutating func add(loss: Float, predictions: [Int?], labels: [Int]) {
        lossSum += Double(loss) * Double(labels.count)
        correct += zip(predictions, labels).filter { $0 == $1 }.count
        seen += labels.count
    }

    /// NaN before any batch (an epoch whose every step was left out has no figures).
    var loss: Double { seen == 0 ? .nan : lossSum / Double(seen) }
    var top1: Double { seen == 0 ? .nan : Double(correct) / Double(seen) }
}
