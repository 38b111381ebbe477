import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftNN

/// Validation loss and accuracy of one epoch.
struct ValidationScore {
    var loss: Double
    var top1: Double
    var top5: Double
    /// Images left out because they failed to decode (the `skipBad` option).
    var skipped: [String] = []
}

/// What one training epoch did.
struct EpochWork {
    var images: Int
    /// Share of the epoch spent waiting for the loader (nil on cached features).
    var dataWait: Double?
    /// Images left out because they failed to decode (the `skipBad` option).
    var skipped: [String] = []
}

/// Runs a training epoch and a validation pass, either through the network on images or
/// through the head alone on cached trunk features.
protocol EpochTrainer {
    /// Trains epoch `epoch`: for each batch, `loss(logits, labels)` builds the loss (called for
    /// auxiliary heads too) and `step` does the update, given the batch as a `TrainingStep`.
    func trainEpoch(_ epoch: Int, loss: (Tensor, Tensor) throws -> Tensor,
                    step: (TrainingStep) throws -> Void) throws -> EpochWork
    func validate() throws -> ValidationScore
}

/// Trains the network on augmented images from a `DataLoader` whose workers decode and augment
/// the next batches while the current one trains. The forward runs through `TrainingForward`
/// (fused batch norm and ReLU); models with auxiliary heads run theirs eagerly.
struct ImageTrainer: EpochTrainer {
    let model: any TransferModel
    let forward: TrainingForward
    let train: DataLoader
    let validation: DataLoader
    /// The validation passes' forward.
    let inference: CompiledInference

    /// Ranges of an int8 run: the frozen part's, and the validation pass's after each `refresh`.
    let calibration: TrainingCalibration?

    init(model: any TransferModel, data: TrainingData, pipelines: RunPipelines, options: TransferOptions,
         calibration: TrainingCalibration? = nil) throws {
        self.model = model
        forward = TrainingForward(model)
        forward.activationRanges = calibration?.latest
        inference = CompiledInference(model)
        self.calibration = calibration
        train = try trainingLoader(data.train, pipelines: pipelines, options: options)
        validation = try validationLoader(data.validation, pipelines: pipelines, options: options)
    }

    func trainEpoch(_ number: Int, loss: (Tensor, Tensor) throws -> Tensor,
                    step: (TrainingStep) throws -> Void) throws -> EpochWork {
        setTrainingMode(model)
        let epoch = train.epoch(number)
        var images = 0, batches = 0
        while let batch = try epoch.next() {
            let (logits, auxiliary) = model.auxiliaryHeads.isEmpty
                ? (try forward(batch.images), []) : try model.forwardWithAuxiliary(batch.images)
            var total = try loss(logits, batch.labels)
            for a in auxiliary { total = try total + scale(try loss(a, batch.labels), by: model.auxiliaryLossWeight) }
            images += batch.indices.count
            batches += 1
            try step(TrainingStep(loss: total, logits: logits, labels: batch.labels.labels, imagesSoFar: images,
                                  batch: batches, batchCount: epoch.batchCount))
        }
        return EpochWork(images: images, dataWait: epoch.statistics.waitFraction, skipped: epoch.statistics.skippedSamples)
    }

    func validate() throws -> ValidationScore {
        var score = ValidationAccumulator()
        inference.activationRanges = calibration?.latest
        let epoch = validation.epoch(0)
        while let batch = try epoch.next() { try score.add(logits: inference(batch.images), labels: batch.labels) }
        var result = score.result
        result.skipped = epoch.statistics.skippedSamples
        return result
    }
}

/// The loader of a run's training images: epoch e's batches (`TrainingBatches`), augmented.
func trainingLoader(_ dataset: any Dataset, pipelines: RunPipelines, options: TransferOptions) throws -> DataLoader {
    try DataLoader(dataset: dataset, batchSize: options.batchSize, workers: options.workers, shuffle: true,
                   dropLast: TrainingBatches(images: dataset.count, batchSize: options.batchSize).dropsLast, seed: options.seed,
                   skipFailures: options.skipBad, makeEncodedSample: pipelines.encodedSampleMaker(pipelines.train),
                   makeSample: pipelines.sampleMaker(pipelines.train))
}

/// The loader of a run's validation images, in order, with the evaluation transform.
func validationLoader(_ dataset: any Dataset, pipelines: RunPipelines, options: TransferOptions) throws -> DataLoader {
    try DataLoader(dataset: dataset, batchSize: max(options.batchSize, 64), workers: options.workers, shuffle: false,
                   seed: options.seed, skipFailures: options.skipBad, makeSample: pipelines.sampleMaker(pipelines.evaluation))
}

/// Trains the head alone on trunk features computed once (and kept in the feature cache),
/// view `(epoch − 1) mod views` in epoch `epoch`.
struct CachedHeadTrainer: EpochTrainer {
    let model: any TransferModel
    let train: FeatureSet
    let validation: FeatureSet
    let batches: TrainingBatches
    let seed: UInt64
    /// Seconds of the trunk passes (or of reading the cache).
    let trunkSeconds: Double
    /// A line for the log on what the cache did.
    let description: String
    /// Images the cache left out because they failed to decode (the `skipBad` option).
    let skipped: [String]

    init(model: any TransferModel, data: TrainingData, pipelines: RunPipelines, options: TransferOptions,
         calibration: TrainingCalibration? = nil) throws {
        let cache = FeatureCache(directory: options.cacheDirectory)
        let views = options.effectiveCacheViews(prefix: false)
        let train = try cache.features(of: model, dataset: data.train,
                                       pipeline: views > 1 ? pipelines.train : pipelines.evaluation,
                                       channels: pipelines.preprocessing.channels, views: views, seed: options.seed,
                                       batchSize: max(64, options.batchSize), workers: options.workers, skipBad: options.skipBad,
                                       activationRanges: calibration?.latest)
        let validation = try cache.features(of: model, dataset: data.validation, pipeline: pipelines.evaluation,
                                            channels: pipelines.preprocessing.channels, views: 1, seed: options.seed,
                                            batchSize: max(64, options.batchSize), workers: options.workers, skipBad: options.skipBad,
                                            activationRanges: calibration?.latest)
        self.model = model; self.train = train.features; self.validation = validation.features
        batches = TrainingBatches(images: train.features.count, batchSize: options.batchSize); seed = options.seed
        trunkSeconds = train.seconds + validation.seconds
        skipped = train.skipped + validation.skipped
        func said(_ o: FeatureCache.Outcome, _ what: String) -> String {
            String(format: "%@ %d × %d features of %d %@ images in %.1f s", o.reused ? "read" : "computed",
                   o.features.views, o.features.dimension, o.features.count, what, o.seconds)
        }
        description = "feature cache (\(cache.directory)): " + said(train, "training") + ", " + said(validation, "validation")
    }

    func trainEpoch(_ number: Int, loss: (Tensor, Tensor) throws -> Tensor,
                    step: (TrainingStep) throws -> Void) throws -> EpochWork {
        model.head.train()
        let order = batches.order(epoch: number, seed: seed)
        var images = 0
        for (b, indices) in order.batches.enumerated() {
            let (features, labels) = train.batch(Array(indices), view: number - 1)
            let logits = try model.forwardHead(features)
            images += indices.count
            try step(TrainingStep(loss: try loss(logits, labels), logits: logits, labels: labels.labels, imagesSoFar: images,
                                  batch: b + 1, batchCount: order.batches.count))
        }
        return EpochWork(images: images, dataWait: nil)
    }

    func validate() throws -> ValidationScore {
        model.head.eval()
        var score = ValidationAccumulator()
        try GradMode.withoutGradients {
            for indices in EpochOrder(count: validation.count, batchSize: 256, shuffle: false, seed: 0, epoch: 0).batches {
                let (features, labels) = validation.batch(Array(indices), view: 0)
                try score.add(logits: model.forwardHead(features), labels: labels)
            }
        }
        return score.result
    }
}

/// Mean loss, top-1 and top-5 over validation batches; a sample with a non-finite logit is wrong.
struct ValidationAccumulator {
    private var lossSum = 0.0, top1 = 0, top5 = 0, seen = 0

    mutating func add(logits: Tensor, labels: Tensor) throws {
        let n = labels.count, classes = logits.count / max(n, 1)
        lossSum += Double(try crossEntropy(logits, labels: labels).item) * Double(n)
        let values = logits.toArray(), truth = labels.labels
        for i in 0..<n {
            guard let rank = ScoreRanking.rank(of: truth[i], in: values[(i * classes)..<((i + 1) * classes)]) else { continue }
            if rank == 0 { top1 += 1 }
            if rank < 5 { top5 += 1 }
        }
        seen += n
    }

    var result: ValidationScore {
        let n = Double(max(seen, 1))
        return ValidationScore(loss: lossSum / n, top1: Double(top1) / n, top5: Double(top5) / n)
    }
}
