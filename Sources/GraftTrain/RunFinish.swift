import Foundation

/// The finish step of a run: makes sure `best.safetensors` exists, scores the best checkpoint on
/// the validation and test sets, writes the HTML report and the summary log line, and reports
/// the summary. `seconds` is the run's time so far.
func finishRun(_ options: TransferOptions, model: TrainingModel, plan: TrainingPlan, session: RunSession, loop: EpochLoopOutcome,
               data: TrainingData, reporter: RunReporter, seconds: Double) throws -> TransferSummary {
    let files = plan.files, progress = plan.progress
    if progress.bestEpoch == 0 || !FileManager.default.fileExists(atPath: files.best) {
        try FileManager.default.copyItemReplacing(at: files.last, to: files.best)
    }
    let best = try loadCheckpoint(files.best)
    let member = EvaluationMember(name: model.spec.name, model: best.model, preprocessing: best.metadata.preprocessing,
                                  classNames: best.metadata.classNames)
    let evaluation = data.validation.count == 0 ? nil
        : try evaluate([member], on: data.validation, tta: .none, batchSize: max(64, options.batchSize),
                       workers: options.workers, skipBad: options.skipBad)
    try session.skipped.record(evaluation?.skipped ?? [], context: "final evaluation: ", reporter: reporter, log: session.log)
    let testScore = try session.test.map {
        try evaluate([member], on: $0.dataset, tta: .none, batchSize: max(64, options.batchSize), workers: options.workers,
                     skipBad: options.skipBad).ensemble
    }
    try TrainingReportPage(title: "\(model.spec.name) on \(options.data)",
                           recipe: plan.recipe.merging(["weights": model.weights.record]) { $1 }
                               .sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) },
                           epochs: progress.history, metrics: evaluation?.ensemble,
                           misclassified: try MisclassifiedImage.mostConfident(evaluation?.misclassified ?? [], in: data.validation),
                           skippedImages: session.skipped.descriptions)
        .write(to: files.report)
    let cached = loop.cachedEpochSeconds
    let summary = TransferSummary(valTop1: progress.bestTop1, valTop5: progress.history.first { $0.epoch == progress.bestEpoch }?.valTop5,
                                  testTop1: testScore?.top1, testTop5: testScore?.top5, bestEpoch: progress.bestEpoch,
                                  epochs: progress.epoch, stoppedEarly: loop.stoppedEarly,
                                  checkpoint: files.best, lastCheckpoint: files.last, report: files.report, seconds: seconds,
                                  trunkSeconds: session.trunkSeconds,
                                  cachedEpochSeconds: cached.isEmpty ? nil : cached.reduce(0, +) / Double(cached.count),
                                  skippedImages: session.skipped.descriptions)
    try session.log.append(jsonLine(event: "summary", summary))
    reporter.finished(summary)
    return summary
}
