/// Epoch counter, history and the best validation top-1 so far.
struct RunProgress {
    var epoch = 0
    var history: [EpochRecord] = []
    var bestTop1: Double?
    var bestEpoch = 0
    var sinceBest = 0

    init() {}

    /// The progress a saved state records: the best epoch is the first with the best top-1.
    init(resuming state: TrainingState) {
        epoch = state.epoch
        history = state.history
        bestTop1 = state.bestMetric
        sinceBest = state.epochsWithoutImprovement
        bestEpoch = history.first { $0.valTop1 == state.bestMetric }?.epoch ?? history.last?.epoch ?? 0
    }

    mutating func record(_ r: EpochRecord) {
        epoch = r.epoch
        history.append(r)
        guard let top1 = r.valTop1 else { bestEpoch = r.epoch; return }
        if let best = bestTop1, top1 <= best {
            sinceBest += 1
        } else {
            bestTop1 = top1; bestEpoch = r.epoch; sinceBest = 0
        }
    }
}
