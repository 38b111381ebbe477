import GraftData
import GraftNN

/// What a run holds open while it trains: the epoch trainer, the test set (checked before
/// training), the log, and the images left out so far.
final class RunSession {
    let trainer: EpochTrainer
    /// Whether the trainer works on cached outputs of the frozen part (trunk features or a prefix's).
    let cached: Bool
    /// Seconds of the frozen part's pass (or of reading the cache); nil without a cache.
    let trunkSeconds: Double?
    /// The test set with the images that failed to decode left out; nil without one.
    let test: (dataset: any Dataset, skipped: [String])?
    let log: JSONLinesLog
    var skipped = SkippedImages()
    /// The activation ranges of an int8 run; nil otherwise.
    let calibration: TrainingCalibration?

    init(trainer: EpochTrainer, cached: Bool, trunkSeconds: Double?, test: (dataset: any Dataset, skipped: [String])?,
         log: JSONLinesLog, calibration: TrainingCalibration? = nil) {
        self.trainer = trainer; self.cached = cached; self.trunkSeconds = trunkSeconds; self.test = test; self.log = log
        self.calibration = calibration
    }
}

/// The session step of a run: reports the start, checks the test set, picks the trainer (the
/// feature cache when only the head trains, the prefix cache when a frozen prefix hands one
/// tensor to the stages that train, images otherwise), and — once nothing else can fail before
/// training — makes the run folder, writes the subset of the data it uses and opens its log.
/// `freeSpace` tells the prefix cache the free bytes of its folder.
func openRunSession(_ options: TransferOptions, model: TrainingModel, plan: TrainingPlan, data: TrainingData,
                    reporter: RunReporter, freeSpace: @escaping @Sendable (String) -> Int? = freeBytes(at:)) throws -> RunSession {
    let module = model.module, spec = model.spec
    reporter.started(RunStart(model: spec.name, weights: model.weights.summary, parameters: module.parameterCount, trainableParameters: module.trainableParameterCount,
                              freeze: options.freezePolicy.description, trainedStages: trainedStages(of: module),
                              classes: data.classNames.count, trainImages: data.train.count,
                              validationImages: data.validation.count, validationSource: data.validationSource, out: options.out))
    // The test set is read only at the end: check it now, before hours of training.
    let test = try data.test.map { try decodableImages($0, workers: options.workers, skipBad: options.skipBad) }
    let headOnly = model.policy == .head && !(module.head is Conv2d)
    let frozen = module.parameters().contains { !$0.requiresGrad }
    var trainer: EpochTrainer? = nil
    var trunkSeconds: Double? = nil
    var cacheSkipped: [String] = []
    let calibration = options.precision == .int8
        ? try TrainingCalibration(model: module, data: data, pipelines: model.pipelines, options: options) : nil
    if calibration != nil {
        reporter.note("--precision int8: what does not train runs int8, with activation ranges calibrated on \(options.calibrationBatches) batches of the training images (--calibration-batches)")
    }
    if options.featureCache && frozen {
        if let why = plan.unfreezing.map({ _ in "gradual unfreezing changes the frozen part during the run" })
            ?? (module.auxiliaryHeads.isEmpty ? nil : "the auxiliary heads train on the trunk's inner outputs") {
            reporter.note("\(headOnly ? "feature" : "prefix") cache off: \(why)")
        } else if headOnly {
            let cached = try CachedHeadTrainer(model: module, data: data, pipelines: model.pipelines, options: options, calibration: calibration)
            trunkSeconds = cached.trunkSeconds
            reporter.note(cached.description)
            cacheSkipped = cached.skipped
            trainer = cached
        } else {
            let (cached, line) = try PrefixCachedTrainer.make(model: module, data: data, pipelines: model.pipelines, options: options,
                                                               calibration: calibration, freeSpace: freeSpace)
            reporter.note(line)
            trunkSeconds = cached?.trunkSeconds
            cacheSkipped = cached?.skipped ?? []
            trainer = cached
        }
    }
    let cached = trainer != nil
    let chosen = try trainer ?? ImageTrainer(model: module, data: data, pipelines: model.pipelines, options: options, calibration: calibration)
    // Everything that can fail before training has been checked: only now is the run folder made.
    try createRunFolder(options.out)
    if options.overwrite { try plan.files.clear() }
    try TrainingSubset(data, dataPath: options.data, test: test?.dataset).write(to: plan.files.subset)
    let log = try JSONLinesLog(plan.files.log, append: options.resume)
    if let line = plan.resumeLogLine { try log.append(line) }
    let session = RunSession(trainer: chosen, cached: cached, trunkSeconds: trunkSeconds,
                             test: test, log: log, calibration: calibration)
    try session.skipped.record(test?.skipped ?? [], context: "test set: ", reporter: reporter, log: log)
    try session.skipped.record(cacheSkipped, context: "cache: ", reporter: reporter, log: log)
    return session
}
