/// How every accuracy figure reads one sample's row of scores (logits or probabilities): a
/// row holding a NaN or an infinity is a prediction of no class, so it counts as wrong, never
/// as right, for top-1 and top-k alike. Ties rank toward the lower class index.
enum ScoreRanking {
    /// The index (from 0) of the largest score, or nil when a score is not finite.
    static func predictedClass(_ row: ArraySlice<Float>) -> Int? {
        guard var best = row.first, best.isFinite else { return nil }
        var index = row.startIndex
        for i in row.indices {
            guard row[i].isFinite else { return nil }
            if row[i] > best { best = row[i]; index = i }
        }
        return index - row.startIndex
    }

    /// How many classes rank above class `target` (0: it is the prediction), or nil when a
    /// score is not finite.
    static func rank(of target: Int, in row: ArraySlice<Float>) -> Int? {
        let truth = row[row.startIndex + target]
        var rank = 0
        for i in row.indices {
            guard row[i].isFinite else { return nil }
            if row[i] > truth || (row[i] == truth && i - row.startIndex < target) { rank += 1 }
        }
        return rank
    }
}
