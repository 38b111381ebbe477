import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftNN

/// Trains a zoo model from scratch on an IDX data set as `graft train` does, reporting every
/// epoch, and returns the final test accuracy.
public func runTraining(_ options: TrainOptions, reporter: TrainingReporter) throws -> TrainingSummary {
    try options.validate()
    let data = try IDXDataset(directory: options.data)
    let spec = try ModelZoo.spec(options.model)
    let train = data.train
    let (c, h, w) = (spec.inputShape[0], spec.inputShape[1], spec.inputShape[2])
    let padding = (h - train.height) / 2
    guard train.channels == c, padding >= 0, train.height + 2 * padding == h, train.width + 2 * padding == w else {
        throw TrainOptionsError(description: "--model \(spec.name) takes \(c)×\(h)×\(w) images; --data \(options.data) holds \(train.channels)×\(train.height)×\(train.width)")
    }
    GlobalRandom.seed(options.seed)
    let model = try spec.make(numClasses: train.classNames.count)
    let trainCount = min(options.trainLimit ?? train.count, train.count)
    let normalization = train.height == 28 && options.data.lowercased().contains("fashion") ? Normalization.fashionMNIST : .mnist
    let stepsPerEpoch = (trainCount + options.batchSize - 1) / options.batchSize
    let optimizer = try makeOptimizer(options, parameters: model.parameters())
    let scheduler = try makeScheduler(options, optimizer: optimizer, totalSteps: stepsPerEpoch * options.epochs, stepsPerEpoch: stepsPerEpoch)

    reporter.started(model: spec.name, parameters: model.parameterCount, trainImages: trainCount, testImages: data.test.count)
    let start = Date()
    var last = EpochReport(epoch: 0, epochs: options.epochs, trainLoss: 0, trainTop1: 0, testLoss: 0, testTop1: 0,
                           learningRate: 0, seconds: 0, imagesPerSecond: 0)
    for epoch in 1...options.epochs {
        let epochStart = Date()
        model.train()
        var score = RunningScore()
        let learningRate = optimizer.paramGroups[0].lr
        for batch in EpochOrder(count: trainCount, batchSize: options.batchSize, shuffle: true, seed: options.seed, epoch: epoch) {
            let (images, labels) = train.batch(batch, padding: padding, normalization: normalization)
            let logits = try model(images)
            let loss = try crossEntropy(logits, labels: labels, labelSmoothing: options.labelSmoothing)
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            scheduler?.step()
            score.add(loss: loss.item, predictions: argmaxRows(logits.toArray(), classes: train.classNames.count), labels: labels.labels)
        }
        let seconds = Date().timeIntervalSince(epochStart)
        let test = try evaluate(model, on: data.test, padding: padding, normalization: normalization, batchSize: 256)
        last = EpochReport(epoch: epoch, epochs: options.epochs, trainLoss: score.loss, trainTop1: score.top1,
                           testLoss: test.loss, testTop1: test.top1, learningRate: learningRate,
                           seconds: seconds, imagesPerSecond: Double(trainCount) / seconds)
        reporter.epochFinished(last)
    }
    let summary = TrainingSummary(testTop1: last.testTop1, epochs: options.epochs, seconds: Date().timeIntervalSince(start))
    reporter.finished(summary)
    return summary
}

/// Mean cross-entropy and top-1 accuracy of `model` on `set`, in inference mode.
public func evaluate(_ model: Module, on set: ImageSet, padding: Int, normalization: Normalization,
                     batchSize: Int) throws -> (loss: Double, top1: Double) {
    model.eval()
    defer { model.train() }
    var score = RunningScore()
    try GradMode.withoutGradients {
        for batch in EpochOrder(count: set.count, batchSize: batchSize, shuffle: false, seed: 0, epoch: 0) {
            let (images, labels) = set.batch(batch, padding: padding, normalization: normalization)
            let logits = try model(images)
            let loss = try crossEntropy(logits, labels: labels)
            score.add(loss: loss.item, predictions: argmaxRows(logits.toArray(), classes: set.classNames.count), labels: labels.labels)
        }
    }
    return (score.loss, score.top1)
}

func makeOptimizer(_ o: TrainOptions, parameters: [Tensor]) throws -> Optimizer {
    switch o.optimizer {
    case "sgd":
        return try SGD(parameters: parameters, lr: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay,
                       nesterov: o.momentum > 0)
    case "adamw": return try AdamW(parameters: parameters, lr: o.learningRate, weightDecay: o.weightDecay)
    default: return try Adam(parameters: parameters, lr: o.learningRate, weightDecay: o.weightDecay)
    }
}

func makeScheduler(_ o: TrainOptions, optimizer: Optimizer, totalSteps: Int, stepsPerEpoch: Int) throws -> LRScheduler? {
    switch o.schedule {
    case "step": return LRScheduler(optimizer, schedule: try StepLR(stepSize: max(1, totalSteps / 3), gamma: 0.1))
    case "cosine":
        return LRScheduler(optimizer, schedule: try CosineWithWarmup(warmupSteps: stepsPerEpoch / 2, totalSteps: totalSteps))
    case "onecycle": return LRScheduler(optimizer, schedule: try OneCycle(totalSteps: totalSteps))
    default: return nil
    }
}
