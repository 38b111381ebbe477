import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftNN

/// Trains the stages after a frozen prefix on the prefix's outputs, computed once per image and
/// view (`PrefixCache`): epoch e on view (e − 1) mod V, whose batches are those epoch e of a run
/// without the cache draws, each through the part of `TrainingForward`'s graph that trains, as
/// that run trains it. Validation runs the trained part compiled, in eval mode, on the cached
/// outputs of the validation images (evaluation transform, one view).
struct PrefixCachedTrainer: EpochTrainer {
    let model: any TransferModel
    let forward: TrainingForward
    let train: PrefixRows
    let validation: PrefixRows
    let evaluation: TrainedPartInference
    let batches: TrainingBatches
    /// One input image's shape, `[C, H, W]`.
    let imageShape: [Int]
    let seed: UInt64
    /// Seconds of computing (or reading) the cached outputs.
    let trunkSeconds: Double
    /// A line for the log on what the cache did.
    let description: String
    /// Images the cache left out because they failed to decode (the `skipBad` option).
    let skipped: [String]

    /// The trainer, or the reason the run trains without the prefix cache (no single tensor
    /// crosses from the frozen part into the trained one). Throws before any image is read when
    /// the cache fits neither `options.cacheBudget` in memory nor the cache folder's free space.
    static func make(model: any TransferModel, data: TrainingData, pipelines: RunPipelines, options: TransferOptions,
                     calibration: TrainingCalibration?, freeSpace: @escaping @Sendable (String) -> Int?) throws -> (trainer: PrefixCachedTrainer?, why: String) {
        setTrainingMode(model)
        let forward = TrainingForward(model)
        forward.activationRanges = calibration?.latest
        let p = pipelines.preprocessing
        let imageShape = [p.channels, p.inputSize, p.inputSize]
        let validationBatch = max(options.batchSize, 64)
        guard let prefix = try forward.frozenPrefix(inputShape: [options.batchSize] + imageShape) else {
            return (nil, "prefix cache off: not one tensor crosses from the frozen part into the part that trains (the trained stages "
                    + "read several frozen values, or stochastic depth or dropout in the frozen stages draws every step)")
        }
        let evaluation = TrainedPartInference(model)
        guard try evaluation.cuts(inputShape: [validationBatch] + imageShape, like: prefix) else {
            return (nil, "prefix cache off: the eval-mode graph is not cut at the same tensor as the training graph")
        }
        let rowShape = Array(prefix.frontier.shape.dropFirst())
        let views = options.effectiveCacheViews(prefix: true), precision = options.cachePrecision
        let cache = PrefixCache(directory: options.cacheDirectory, budget: options.cacheBudget, freeSpace: freeSpace)
        let trainJob = PrefixCache.Job(name: "training", loader: try trainingLoader(data.train, pipelines: pipelines, options: options),
                                       firstEpoch: 1, views: views, rowShape: rowShape, precision: precision,
                                       makeSample: pipelines.sampleMaker(pipelines.train))
        let validationJob = PrefixCache.Job(name: "validation", loader: try validationLoader(data.validation, pipelines: pipelines, options: options),
                                            firstEpoch: 0, views: 1, rowShape: rowShape, precision: precision,
                                            makeSample: pipelines.sampleMaker(pipelines.evaluation))
        // The size, before any image is read.
        guard let trainBytes = PrefixCache.bytes(views: views, images: data.train.count, rowShape: rowShape, precision: precision),
              let validationBytes = PrefixCache.bytes(views: 1, images: data.validation.count, rowShape: rowShape, precision: precision),
              case let (total, false) = trainBytes.addingReportingOverflow(validationBytes) else {
            throw TrainingOptionError(.cacheViews, "\(views) views of \(data.train.count) images of \(shapeString(rowShape)) values: the prefix cache's size does not fit a 64-bit integer")
        }
        let inMemory = total <= cache.budget
        let free = cache.freeSpace(cache.directory)
        let fitsDisk = free.map { total <= $0 } ?? true
        let tensors = Dictionary(model.namedParameters() + model.namedBuffers(), uniquingKeysWith: { first, _ in first })
        func keyed(_ job: PrefixCache.Job, _ transform: Pipeline) throws -> (key: UInt64, job: PrefixCache.Job, skipped: [String]) {
            try cache.key(job, prefix: prefix, tensors: tensors, ranges: calibration?.latest, transform: String(describing: transform.spec ?? ""),
                          workers: options.workers, skipBad: options.skipBad)
        }
        // Keying reads every image; a cache too large for both memory and disk may still have
        // been written before (it then needs no room), which only the keys can tell.
        let (trainKey, trainKeyed, trainSkipped) = try keyed(trainJob, pipelines.train)
        let (validationKey, validationKeyed, validationSkipped) = try keyed(validationJob, pipelines.evaluation)
        if !inMemory && !fitsDisk && ![trainKey, validationKey].allSatisfy({ FileManager.default.fileExists(atPath: cache.path($0)) }) {
            throw tooLarge(total, cache: cache, free: free, views: views, images: data.train.count + data.validation.count,
                           trainImages: data.train.count, rowShape: rowShape, precision: precision)
        }
        let train = try cache.rows(trainKeyed, path: cache.path(trainKey), inMemory: inMemory, write: fitsDisk, frontier: forward.frozenOutput)
        let validation = try cache.rows(validationKeyed, path: cache.path(validationKey), inMemory: inMemory, write: fitsDisk,
                                        frontier: forward.frozenOutput)
        func said(_ o: PrefixCache.Outcome, _ what: String) -> String {
            let bytes = PrefixCache.bytes(views: o.rows.views, images: o.rows.count, rowShape: rowShape, precision: precision) ?? 0
            return String(format: "%@ %d view%@ × %@ of %d %@ images (%@ %@) in %.1f s", o.reused ? "read" : "computed", o.rows.views,
                          o.rows.views == 1 ? "" : "s", shapeString(rowShape), o.rows.count, what, ByteSize.describe(bytes),
                          precision.rawValue, o.seconds)
        }
        let share = prefix.totalFlops > 0 ? 100 * Double(prefix.flops) / Double(prefix.totalFlops) : 0
        let description = "prefix cache (\(cache.directory), \(inMemory ? "in memory" : "read from disk")"
            + (fitsDisk ? "" : ", not written: \(ByteSize.describe(free ?? 0)) free") + "): cut at "
            + (prefix.scope.isEmpty ? "the model's input" : prefix.scope) + String(format: " (%.0f%% of the forward's FLOPs); ", share)
            + said(train, "training") + ", " + said(validation, "validation")
        let trainer = PrefixCachedTrainer(model: model, forward: forward, train: train.rows, validation: validation.rows,
                                          evaluation: evaluation, batches: TrainingBatches(images: train.rows.count, batchSize: options.batchSize),
                                          imageShape: imageShape, seed: options.seed, trunkSeconds: train.seconds + validation.seconds,
                                          description: description, skipped: trainSkipped + validationSkipped)
        return (trainer, description)
    }

    /// The error of a cache that fits neither in memory nor on disk: its size and what to change.
    private static func tooLarge(_ bytes: Int, cache: PrefixCache, free: Int?, views: Int, images: Int, trainImages: Int,
                                 rowShape: [Int], precision: CachePrecision) -> TrainingOptionError {
        let validationImages = images - trainImages
        func size(_ v: Int, _ p: CachePrecision) -> String {
            let train = PrefixCache.bytes(views: v, images: trainImages, rowShape: rowShape, precision: p)
            let validation = PrefixCache.bytes(views: 1, images: validationImages, rowShape: rowShape, precision: p)
            return train.flatMap { t in validation.map { ByteSize.describe(t + $0) } } ?? "too much"
        }
        var changes = ["a larger `cacheBudget`"]
        if precision == .float32 { changes.append("`cachePrecision` bf16 (\(size(views, .bfloat16)))") }
        if views > 1 { changes.append("fewer `cacheViews` (1 view: \(size(1, precision)))") }
        changes += ["a later cut (`freeze` last:K with a smaller K)", "a `cacheDirectory` on a disk with room",
                    "or no cache (`featureCache`)"]
        return TrainingOptionError(.cacheBudget, "(\(ByteSize.describe(cache.budget))) is too small for the prefix cache, and \(cache.directory) has "
            + (free.map(ByteSize.describe) ?? "?") + " free: the cache takes \(ByteSize.describe(bytes)) (\(views) view\(views == 1 ? "" : "s") × "
            + "\(trainImages) training images + \(validationImages) validation images, \(shapeString(rowShape)) \(precision.rawValue) values each). "
            + "Change one: " + changes.joined(separator: "; "))
    }

    func trainEpoch(_ number: Int, loss: (Tensor, Tensor) throws -> Tensor,
                    step: (TrainingStep) throws -> Void) throws -> EpochWork {
        setTrainingMode(model)
        let order = batches.order(epoch: number, seed: seed)
        var images = 0
        for (b, indices) in order.batches.enumerated() {
            let (rows, labels) = try train.batch(Array(indices), view: number - 1)
            let logits = try forward.trainedPart(rows, inputShape: [indices.count] + imageShape)
            images += indices.count
            try step(TrainingStep(loss: try loss(logits, labels), logits: logits, labels: labels.labels, imagesSoFar: images,
                                  batch: b + 1, batchCount: order.batches.count))
        }
        return EpochWork(images: images, dataWait: nil)
    }

    func validate() throws -> ValidationScore {
        var score = ValidationAccumulator()
        let batchSize = max(batches.batchSize, 64)
        for indices in EpochOrder(count: validation.count, batchSize: batchSize, shuffle: false, seed: 0, epoch: 0).batches {
            let (rows, labels) = try validation.batch(Array(indices), view: 0)
            try score.add(logits: evaluation(rows, inputShape: [indices.count] + imageShape), labels: labels)
        }
        return score.result
    }
}

/// The part of a model's eval-mode forward after its frozen prefix, compiled: one
/// `ExecutionPlan` per input shape, traced on zeros, cut as `splitFrozenPart` cuts it
/// (parameters read from the model on every call).
final class TrainedPartInference {
    let model: Module
    private var plans: [[Int]: ExecutionPlan] = [:]

    init(_ model: Module) { self.model = model }

    /// Whether the eval graph for inputs of `inputShape` is cut at one tensor of the shape `prefix` crosses at.
    func cuts(inputShape: [Int], like prefix: TrainingForward.FrozenPrefix) throws -> Bool {
        guard let frontier = try split(inputShape: inputShape)?.frontier else { return false }
        return Array(frontier.shape.dropFirst()) == Array(prefix.frontier.shape.dropFirst())
    }

    /// The model's eval output for the batch of input shape `inputShape` whose prefix gave `rows`.
    func callAsFunction(_ rows: Tensor, inputShape: [Int]) throws -> Tensor {
        let parameters = graphParameters(of: model)
        if let plan = plans[inputShape] { return try plan.run([rows], parameters: parameters)[0] }
        guard let (trained, frontier) = try split(inputShape: inputShape), frontier.shape == rows.shape else {
            throw GraftError.invalidState("prefix cache: the eval graph for input \(shapeString(inputShape)) is not cut at \(shapeString(rows.shape))")
        }
        // Under int8 only the frozen part is quantised: the part that trains runs float32.
        let precision = Engine.shared.precision == .int8 ? .float32 : Engine.shared.precision
        let plan = try ExecutionPlan(optimizedForInference(trained), parameters: parameters, precision: precision)
        plans[inputShape] = plan
        return try plan.run([rows], parameters: parameters)[0]
    }

    /// The trained part of the eval graph and the one tensor it reads from the frozen part.
    private func split(inputShape: [Int]) throws -> (trained: Graph, frontier: GraphValue)? {
        let graph = try traceGraph(model, input: Tensor.zeros(inputShape))
        let trainable = Set(model.namedParameters().filter { $0.1.requiresGrad }.map(\.0))
        guard graph.constants.isEmpty, let (_, trained) = splitFrozenPart(graph, trainable: trainable), trained.inputs.count == 1,
              let cut = trained.inputs.first, !graph.inputs.contains(cut),
              let value = graph.values.first(where: { $0.id == cut }) else { return nil }
        return (trained, value)
    }
}
