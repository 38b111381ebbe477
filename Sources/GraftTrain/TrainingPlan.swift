import GraftCore
import GraftIO
import GraftNN

/// How a run trains its model, and where it starts: the optimizer over the parameter groups,
/// the schedule, the loss's class weights, gradual unfreezing, the checkpoints' metadata, and
/// the progress so far (none, or that of the run being resumed).
struct TrainingPlan {
    let files: RunFiles
    /// The recipe the checkpoints and the report record (with a resumed run's changes).
    let recipe: [String: String]
    let optimizer: Optimizer
    let scheduler: LRScheduler?
    let batches: TrainingBatches
    let classWeights: Tensor?
    let metadata: CheckpointMetadata
    /// The log line of the resume, nil for a fresh run.
    let resumeLogLine: String?
    var unfreezing: GradualUnfreezing?
    var progress: RunProgress
}

/// The plan step of a run: reads the run to resume (when `options.resume`), makes the optimizer
/// and schedule for `model`, and on resuming restores the weights, the optimizer, the schedule,
/// the unfreezing and the progress from the run folder.
func makeTrainingPlan(_ options: TransferOptions, model: TrainingModel, data: TrainingData,
                      reporter: RunReporter) throws -> TrainingPlan {
    let files = RunFiles(options.out)
    let resumePoint = options.resume ? try ResumePoint(files: files, options: options, recipe: recipe(options)) : nil
    let runRecipe = resumePoint?.recipe(adding: recipe(options)) ?? recipe(options)
    let groups = try parameterGroups(model: model.module, spec: model.spec, baseLR: options.learningRate,
                                     weightDecay: options.weightDecay, factor: options.lrFactor)
    let optimizer = try makeOptimizer(options, groups: groups)
    let batches = TrainingBatches(images: data.train.count, batchSize: options.batchSize)
    let scheduler = try makeScheduler(options, optimizer: optimizer, totalSteps: batches.perEpoch * options.epochs,
                                      stepsPerEpoch: batches.perEpoch)
    let metadata = CheckpointMetadata(architecture: model.spec.name, head: model.head, classNames: data.classNames,
                                      preprocessing: model.pipelines.preprocessing, recipe: runRecipe,
                                      weights: model.weights.record)
    var plan = TrainingPlan(files: files, recipe: runRecipe, optimizer: optimizer, scheduler: scheduler, batches: batches,
                            classWeights: options.classWeights.weights(for: data), metadata: metadata,
                            resumeLogLine: resumePoint?.logLine,
                            unfreezing: options.unfreezeEvery > 0 ? try GradualUnfreezing(every: options.unfreezeEvery) : nil,
                            progress: RunProgress())
    if let resumePoint {
        try resumePoint.check(classNames: data.classNames, files: files)
        _ = try loadWeights(into: model.module, from: files.last, strict: true)
        try resumePoint.restore(model: model.module, optimizer: optimizer, scheduler: scheduler)
        plan.progress = RunProgress(resuming: resumePoint.state)
        plan.unfreezing = resumePoint.state.unfreezing
        let changes = resumePoint.changes.isEmpty ? "" : " with " + resumePoint.changes.map(\.record).joined(separator: ", ")
        reporter.note("resuming \(options.out) after epoch \(resumePoint.state.epoch)" + changes)
    }
    return plan
}
