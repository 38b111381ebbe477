/// Index of the largest logit in each row of a row-major `[N, C]` array.
func argmaxRows(_ logits: [Float], classes: Int) -> [Int] {
    stride(from: 0, to: logits.count, by: classes).map { start in
        var best = start
        for i in start..<(start + classes) where logits[i] > logits[best] { best = i }
        return best - start
    }
}

/// Running mean of a loss and top-1 accuracy over batches.
struct RunningScore {
    private(set) var lossSum = 0.0
    private(set) var correct = 0
    private(set) var seen = 0

    mutating func add(loss: Float, predictions: [Int], labels: [Int]) {
        lossSum += Double(loss) * Double(labels.count)
        correct += zip(predictions, labels).filter { $0 == $1 }.count
        seen += labels.count
    }

    var loss: Double { seen == 0 ? 0 : lossSum / Double(seen) }
    var top1: Double { seen == 0 ? 0 : Double(correct) / Double(seen) }
}
