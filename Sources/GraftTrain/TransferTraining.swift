import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
import GraftNN

/// The outcome of `graft train`: what its `--json` summary line carries.
public struct TransferSummary: Codable, Sendable {
    /// Best validation top-1 (nil without validation images).
    public var valTop1: Double?
    public var valTop5: Double?
    /// The best checkpoint on the data's test set (IDX t10k files, an ImageFolder's `test/`).
    public var testTop1: Double?
    public var testTop5: Double?
    public var bestEpoch: Int
    /// Epochs trained in the whole run (resumed ones included).
    public var epochs: Int
    public var stoppedEarly: Bool
    /// The best checkpoint (the last one when there is no validation).
    public var checkpoint: String
    public var lastCheckpoint: String
    public var report: String
    public var seconds: Double
    /// With the feature cache: seconds of the trunk pass (or of reading the cache) and of one
    /// cached epoch on average.
    public var trunkSeconds: Double?
    public var cachedEpochSeconds: Double?
    /// Images left out because they failed to decode (`--skip-bad`), described by their errors.
    public var skippedImages: [String] = []
}

/// The files of a run folder.
public struct RunFiles: Sendable {
    public let folder: String
    public init(_ folder: String) { self.folder = folder }
    public var best: String { path("best.safetensors") }
    public var last: String { path("last.safetensors") }
    /// Optimizer, schedule, random state and history for `--resume`.
    public var state: String { path("last.state.safetensors") }
    public var log: String { path("log.jsonl") }
    public var report: String { path("report.html") }
    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
}

/// Trains a zoo model on an image data set as `graft train` does: builds it (pretrained
/// weights and a new head, or from scratch), freezes what `freeze` says, trains on the feature
/// cache when the whole trunk is frozen and on augmented images otherwise, validates every
/// epoch, writes checkpoints, a JSON-lines log and an HTML report into `out`.
public func runTransferTraining(_ options: TransferOptions, reporter: RunReporter) throws -> TransferSummary {
    try options.validate()
    let start = DispatchTime.now()
    let files = RunFiles(options.out)
    let resumePoint = options.resume ? try ResumePoint(files: files, options: options, recipe: recipe(options)) : nil
    let runRecipe = resumePoint?.recipe(adding: recipe(options)) ?? recipe(options)
    let spec = try ModelZoo.spec(options.model)
    let data = try TrainingData(options)
    let pipelines = try RunPipelines(spec: spec, size: options.imageSize ?? spec.preprocessing.inputSize, augment: options.augment)

    GlobalRandom.seed(options.seed)
    try Engine.shared.setPrecision(options.precision)
    let head = HeadConfig(classes: data.classNames.count, hidden: options.hidden, dropout: options.dropout)
    let model = try buildModel(spec: spec, weights: options.weights, head: head)
    if let momentum = options.bnMomentum {
        for case let bn as BatchNorm2d in model.namedModules().map(\.1) { bn.momentum = momentum }
    }
    let policy = try FreezePolicy(flag: options.freezeText)
    _ = try policy.apply(to: model, spec: spec)
    var unfreezing = options.unfreezeEvery > 0 ? try GradualUnfreezing(every: options.unfreezeEvery) : nil
    let groups = try parameterGroups(model: model, spec: spec, baseLR: options.learningRate,
                                     weightDecay: options.weightDecay, factor: options.lrFactor)
    let optimizer = try makeOptimizer(options, groups: groups)
    let batches = TrainingBatches(images: data.train.count, batchSize: options.batchSize)
    let scheduler = try makeScheduler(options, optimizer: optimizer, totalSteps: batches.perEpoch * options.epochs,
                                      stepsPerEpoch: batches.perEpoch)
    let classWeights = options.classWeights == "balanced" ? Tensor(shape: [data.classNames.count], data: data.balancedClassWeights()) : nil
    let metadata = CheckpointMetadata(architecture: spec.name, head: head, classNames: data.classNames,
                                      preprocessing: pipelines.preprocessing, recipe: runRecipe)

    var progress = RunProgress()
    if let resumePoint {
        try resumePoint.check(classNames: data.classNames, files: files)
        _ = try loadWeights(into: model, from: files.last, strict: true)
        try resumePoint.restore(model: model, optimizer: optimizer, scheduler: scheduler)
        progress = RunProgress(resuming: resumePoint.state)
        unfreezing = resumePoint.state.unfreezing
        let changes = resumePoint.changes.isEmpty ? "" : " with " + resumePoint.changes.map(\.text).joined(separator: ", ")
        reporter.note("resuming \(options.out) after epoch \(resumePoint.state.epoch)" + changes)
    }

    let trainable = model.trainableParameterCount
    reporter.started(RunStart(model: spec.name, parameters: model.parameterCount, trainableParameters: trainable,
                              freeze: options.freezeText, trainedStages: trainedStages(of: model),
                              classes: data.classNames.count, trainImages: data.train.count,
                              validationImages: data.validation.count, validationSource: data.validationSource, out: options.out))
    // The test set is read only at the end: check it now, before hours of training.
    let test = try data.test.map { try decodableImages($0, workers: options.workers, skipBad: options.skipBad) }
    let cacheable = options.featureCache && policy == .head && unfreezing == nil
        && !(model.head is Conv2d) && model.auxiliaryHeads.isEmpty
    let trainer: EpochTrainer
    var trunkSeconds: Double? = nil
    var cacheSkipped: [String] = []
    if cacheable {
        let cached = try CachedHeadTrainer(model: model, data: data, pipelines: pipelines, options: options)
        trunkSeconds = cached.trunkSeconds
        reporter.note(cached.description)
        cacheSkipped = cached.skipped
        trainer = cached
    } else {
        trainer = try ImageTrainer(model: model, data: data, pipelines: pipelines, options: options)
    }
    // Everything that can fail before training has been checked: only now is the run folder made.
    try createRunFolder(options.out)
    if options.overwrite { try files.clear() }
    let log = try JSONLinesLog(files.log, append: options.resume)
    if let resumePoint { try log.append(resumePoint.logLine) }
    var skipped = SkippedImages()
    try skipped.record(test?.skipped ?? [], context: "test set: ", reporter: reporter, log: log)
    try skipped.record(cacheSkipped, context: "feature cache: ", reporter: reporter, log: log)

    var cachedEpochSeconds: [Double] = []
    var stoppedEarly = false
    var nonFinite = NonFiniteSteps(options.nonfinite)
    while progress.epoch < options.epochs {
        let epoch = progress.epoch + 1
        if let unfrozen = unfreezing?.beginEpoch(epoch, model: model), !unfrozen.isEmpty {
            reporter.note("epoch \(epoch): unfreezing \(unfrozen.joined(separator: ", "))")
        }
        let learningRate = optimizer.paramGroups.last?.lr ?? options.learningRate
        let epochStart = DispatchTime.now()
        var score = RunningScore()
        nonFinite.beginEpoch()
        let work = try trainer.trainEpoch(epoch) { logits, labels in
            let loss = try lossFunction(logits, labels: labels, classWeights: classWeights, smoothing: options.labelSmoothing)
            return loss
        } step: { loss, logits, labels, imagesSoFar, batch, batchCount in
            optimizer.zeroGrad()
            // A step left out still moves the schedule, which keeps its length.
            defer { scheduler?.step() }
            guard try nonFinite.admits(loss: loss.item, epoch: epoch, step: batch, steps: batchCount,
                                       learningRate: optimizer.paramGroups.last?.lr ?? options.learningRate) else { return }
            try loss.backward()
            guard nonFinite.admits(gradientsOf: optimizer.paramGroups.flatMap(\.parameters)) else { return }
            try optimizer.step()
            score.add(loss: loss.item, predictions: argmaxRows(logits.toArray(), classes: data.classNames.count), labels: labels)
            let elapsed = seconds(since: epochStart)
            reporter.progress(BatchProgress(epoch: epoch, epochs: options.epochs, batch: batch, batches: batchCount,
                                            loss: score.loss, top1: score.top1, imagesPerSecond: Double(imagesSoFar) / elapsed,
                                            eta: elapsed / Double(batch) * Double(batchCount - batch)))
        }
        let trainSeconds = seconds(since: epochStart)
        if nonFinite.skipped > 0 {
            reporter.note("epoch \(epoch): skipped \(nonFinite.skipped) steps whose loss or gradients were not finite (--nonfinite skip)")
        }
        try NonFiniteSteps.checkWeights(of: model, epoch: epoch, steps: batches.perEpoch, learningRate: learningRate)
        if cacheable { cachedEpochSeconds.append(trainSeconds) }
        let validation = data.validation.count > 0 ? try trainer.validate() : nil
        try skipped.record(work.skipped + (validation?.skipped ?? []), context: "epoch \(epoch): ", reporter: reporter, log: log)
        let record = EpochRecord(epoch: epoch, trainLoss: score.loss, trainTop1: score.top1, valLoss: validation?.loss,
                                 valTop1: validation?.top1, valTop5: validation?.top5, learningRate: learningRate,
                                 seconds: seconds(since: epochStart), imagesPerSecond: Double(work.images) / trainSeconds,
                                 dataWait: work.dataWait)
        progress.record(record)
        var meta = metadata
        meta.epoch = epoch
        meta.metrics = validation.map { ["val_top1": $0.top1, "val_top5": $0.top5, "val_loss": $0.loss] } ?? [:]
        let state = TrainingState(epoch: epoch, model: model, optimizer: optimizer, scheduler: scheduler, bestMetric: progress.bestTop1,
                                  epochsWithoutImprovement: progress.sinceBest, history: progress.history, freeze: policy,
                                  unfreezing: unfreezing)
        try EpochCheckpoint(files: files).write(model: model, metadata: meta, isBest: progress.bestEpoch == epoch, state: state)
        try log.append(jsonLine(event: "epoch", record))
        reporter.epochFinished(record, epochs: options.epochs)
        if options.patience > 0, progress.sinceBest >= options.patience, epoch < options.epochs {
            reporter.note("stopping early: validation top-1 has not improved for \(options.patience) epochs (best \(String(format: "%.2f", (progress.bestTop1 ?? 0) * 100))% at epoch \(progress.bestEpoch))")
            stoppedEarly = true
            break
        }
        if let stop = options.stopAfter, epoch >= stop { break }
    }

    if progress.bestEpoch == 0 || !FileManager.default.fileExists(atPath: files.best) {
        try FileManager.default.copyItemReplacing(at: files.last, to: files.best)
    }
    let best = try loadCheckpoint(files.best)
    let member = EvaluationMember(name: spec.name, model: best.model, preprocessing: best.metadata.preprocessing,
                                  classNames: best.metadata.classNames)
    let evaluation = data.validation.count == 0 ? nil
        : try evaluate([member], on: data.validation, tta: .none, batchSize: max(64, options.batchSize),
                       workers: options.workers, skipBad: options.skipBad)
    try skipped.record(evaluation?.skipped ?? [], context: "final evaluation: ", reporter: reporter, log: log)
    let testScore = try test.map {
        try evaluate([member], on: $0.dataset, tta: .none, batchSize: max(64, options.batchSize), workers: options.workers,
                     skipBad: options.skipBad).ensemble
    }
    try TrainingReportPage(title: "\(spec.name) on \(options.data)",
                           recipe: runRecipe.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) },
                           epochs: progress.history, metrics: evaluation?.ensemble,
                           misclassified: try MisclassifiedImage.mostConfident(evaluation?.misclassified ?? [], in: data.validation),
                           skippedImages: skipped.descriptions)
        .write(to: files.report)
    let summary = TransferSummary(valTop1: progress.bestTop1, valTop5: progress.history.first { $0.epoch == progress.bestEpoch }?.valTop5,
                                  testTop1: testScore?.top1, testTop5: testScore?.top5, bestEpoch: progress.bestEpoch, epochs: progress.epoch, stoppedEarly: stoppedEarly,
                                  checkpoint: files.best, lastCheckpoint: files.last, report: files.report, seconds: seconds(since: start),
                                  trunkSeconds: trunkSeconds,
                                  cachedEpochSeconds: cachedEpochSeconds.isEmpty ? nil : cachedEpochSeconds.reduce(0, +) / Double(cachedEpochSeconds.count),
                                  skippedImages: skipped.descriptions)
    try log.append(jsonLine(event: "summary", summary))
    reporter.finished(summary)
    return summary
}

/// A zoo model with `head`: pretrained weights loaded strictly under their own head, then the
/// head replaced; or, without weights, freshly initialised.
public func buildModel(spec: ModelSpec, weights: String?, head: HeadConfig) throws -> any TransferModel {
    guard let weights else { return try spec.make(head: head) }
    let entries = try readWeights(weights)
    let classes = try headClassCount(of: entries, spec: spec) ?? spec.defaultNumClasses
    let model = try Init.withoutInitialisation { try spec.make(numClasses: classes) }
    try loadWeights(into: model, entries: entries, strict: true, source: weights)
    try model.replaceHead(with: head)
    return model
}

/// The training loss: cross-entropy with optional class weights and label smoothing.
func lossFunction(_ logits: Tensor, labels: Tensor, classWeights: Tensor?, smoothing: Float) throws -> Tensor {
    try crossEntropy(logits, labels: labels, weight: classWeights, labelSmoothing: smoothing)
}

/// The options as the recipe recorded in checkpoints and the report: flag name → value.
func recipe(_ options: TransferOptions) -> [String: String] {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    guard let data = try? encoder.encode(options),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    var result: [String: String] = [:]
    for (key, value) in object where !["resume", "resume_with_changes", "overwrite", "stop_after", "workers", "cache_directory"].contains(key) {
        let flag = key.replacingOccurrences(of: "_", with: "-")
        if let array = value as? [Any] {
            result[flag] = array.map { "\($0)" }.joined(separator: ",")
        } else {
            result[flag] = "\(value)"
        }
    }
    result["freeze"] = options.freezeText
    return result
}

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
        if bestTop1 == nil || top1 > bestTop1! {
            bestTop1 = top1; bestEpoch = r.epoch; sinceBest = 0
        } else {
            sinceBest += 1
        }
    }
}

extension FileManager {
    /// Copies `source` over `destination` atomically (copy to a temporary name, then rename).
    func copyItemReplacing(at source: String, to destination: String) throws {
        let temporary = destination + ".copy-\(getpid())"
        try? removeItem(atPath: temporary)
        do {
            try copyItem(atPath: source, toPath: temporary)
        } catch {
            throw DataError.unwritable(file: destination, reason: fileErrorReason(error))
        }
        guard rename(temporary, destination) == 0 else {
            throw DataError.unwritable(file: destination, reason: String(cString: strerror(errno)))
        }
    }
}
