import Foundation
import GraftCore
import GraftNN

/// One training step as an epoch trainer hands it over: the batch's loss and logits, its
/// labels, and where the epoch stands.
struct TrainingStep {
    let loss: Tensor
    let logits: Tensor
    let labels: [Int]
    /// Images trained in this epoch, this batch included.
    let imagesSoFar: Int
    /// The batch's number within the epoch, from 1, and the epoch's batch count.
    let batch: Int
    let batchCount: Int
}

/// How the epoch loop ended, and the seconds of each epoch trained on cached features.
struct EpochLoopOutcome {
    var stoppedEarly = false
    var cachedEpochSeconds: [Double] = []
}

/// The loop step of a run: trains epochs until `options.epochs`, an early stop (`patience`) or
/// `stopAfter`; each epoch unfreezes as planned, trains, validates, writes the checkpoints and
/// a log line, and records its progress in `plan`.
func trainEpochs(_ options: TransferOptions, model: TrainingModel, plan: inout TrainingPlan, session: RunSession,
                 data: TrainingData, reporter: RunReporter) throws -> EpochLoopOutcome {
    var outcome = EpochLoopOutcome()
    var nonFinite = NonFiniteSteps(options.nonfinite)
    while plan.progress.epoch < options.epochs {
        let epoch = plan.progress.epoch + 1
        let (record, trainSeconds) = try trainEpoch(epoch, options, model: model, plan: &plan, session: session, data: data,
                                                     nonFinite: &nonFinite, reporter: reporter)
        if session.cached { outcome.cachedEpochSeconds.append(trainSeconds) }
        reporter.epochFinished(record, epochs: options.epochs)
        let progress = plan.progress
        if options.patience > 0, progress.sinceBest >= options.patience, epoch < options.epochs {
            reporter.note("stopping early: validation top-1 has not improved for \(options.patience) epochs (best \(String(format: "%.2f", (progress.bestTop1 ?? 0) * 100))% at epoch \(progress.bestEpoch))")
            outcome.stoppedEarly = true
            break
        }
        if let stop = options.stopAfter, epoch >= stop { break }
    }
    return outcome
}

/// Trains and validates epoch `epoch`, writes its checkpoints and log line, and records it in
/// `plan.progress`. Returns the epoch's record and its training seconds.
func trainEpoch(_ epoch: Int, _ options: TransferOptions, model: TrainingModel, plan: inout TrainingPlan, session: RunSession,
                data: TrainingData, nonFinite: inout NonFiniteSteps, reporter: RunReporter) throws -> (EpochRecord, Double) {
    if let unfrozen = plan.unfreezing?.beginEpoch(epoch, model: model.module), !unfrozen.isEmpty {
        reporter.note("epoch \(epoch): unfreezing \(unfrozen.joined(separator: ", "))")
    }
    let optimizer = plan.optimizer, scheduler = plan.scheduler, classWeights = plan.classWeights
    let learningRate = optimizer.paramGroups.last?.lr ?? options.learningRate
    let epochStart = DispatchTime.now()
    var score = RunningScore()
    nonFinite.beginEpoch()
    var steps = nonFinite
    let work = try session.trainer.trainEpoch(epoch) { logits, labels in
        try lossFunction(logits, labels: labels, classWeights: classWeights, smoothing: options.labelSmoothing)
    } step: { step in
        optimizer.zeroGrad()
        // A step left out still moves the schedule, which keeps its length.
        defer { scheduler?.step() }
        guard try steps.admits(loss: step.loss.item, epoch: epoch, step: step.batch, steps: step.batchCount,
                               learningRate: optimizer.paramGroups.last?.lr ?? options.learningRate) else { return }
        try step.loss.backward()
        guard steps.admits(gradientsOf: optimizer.paramGroups.flatMap(\.parameters)) else { return }
        try optimizer.step()
        score.add(loss: step.loss.item, predictions: argmaxRows(step.logits.toArray(), classes: data.classNames.count), labels: step.labels)
        let elapsed = seconds(since: epochStart)
        reporter.progress(BatchProgress(epoch: epoch, epochs: options.epochs, batch: step.batch, batches: step.batchCount,
                                        loss: score.loss, top1: score.top1, imagesPerSecond: Double(step.imagesSoFar) / elapsed,
                                        eta: elapsed / Double(step.batch) * Double(step.batchCount - step.batch)))
    }
    nonFinite = steps
    let trainSeconds = seconds(since: epochStart)
    if nonFinite.skipped > 0 {
        reporter.note("epoch \(epoch): skipped \(nonFinite.skipped) steps whose loss or gradients were not finite (`nonfinite` skip)")
    }
    try NonFiniteSteps.checkWeights(of: model.module, epoch: epoch, steps: plan.batches.perEpoch, learningRate: learningRate)
    // An int8 run measures its ranges again, the trained part's activations having moved: before
    // a validation that runs int8 (on images); on cached outputs, whose validation runs the
    // trained part in float32, only for a checkpoint that keeps them (a best, the last epoch).
    let validatesInt8 = session.trainer is ImageTrainer
    if validatesInt8 { try session.calibration?.refresh(model.module) }
    let validation = data.validation.count > 0 ? try session.trainer.validate() : nil
    try session.skipped.record(work.skipped + (validation?.skipped ?? []), context: "epoch \(epoch): ", reporter: reporter, log: session.log)
    let record = EpochRecord(epoch: epoch, trainLoss: score.loss, trainTop1: score.top1, valLoss: validation?.loss,
                             valTop1: validation?.top1, valTop5: validation?.top5, learningRate: learningRate,
                             seconds: seconds(since: epochStart), imagesPerSecond: Double(work.images) / trainSeconds,
                             dataWait: work.dataWait)
    plan.progress.record(record)
    let isBest = plan.progress.bestEpoch == epoch
    let lastEpoch = epoch == options.epochs || options.patience > 0 && plan.progress.sinceBest >= options.patience
    if !validatesInt8 && (isBest || lastEpoch) { try session.calibration?.refresh(model.module) }
    var meta = plan.metadata
    meta.epoch = epoch
    meta.metrics = validation.map { ["val_top1": $0.top1, "val_top5": $0.top5, "val_loss": $0.loss] } ?? [:]
    meta.activationRanges = session.calibration.map { checkpointActivationRanges($0.latest) }
    let progress = plan.progress
    let state = TrainingState(epoch: epoch, model: model.module, optimizer: optimizer, scheduler: scheduler, bestMetric: progress.bestTop1,
                              epochsWithoutImprovement: progress.sinceBest, history: progress.history, freeze: model.policy,
                              unfreezing: plan.unfreezing)
    try EpochCheckpoint(files: plan.files).write(model: model.module, metadata: meta, isBest: isBest, state: state)
    try session.log.append(jsonLine(event: "epoch", record))
    return (record, trainSeconds)
}
