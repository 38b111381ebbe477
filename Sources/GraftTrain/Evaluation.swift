import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftNN

/// One model of an evaluation or ensemble, with the preprocessing it was trained for and the
/// class names of its outputs.
public struct EvaluationMember {
    /// How reports and errors name the member (a checkpoint path, say).
    public var name: String
    /// A classifier whose output is logits `[N, classNames.count]`.
    public var model: Module
    public var preprocessing: Preprocessing
    public var classNames: [String]
    /// The ranges int8 evaluation quantises with (a checkpoint's); nil to calibrate.
    public var activationRanges: ActivationRanges?

    public init(name: String, model: Module, preprocessing: Preprocessing, classNames: [String], activationRanges: ActivationRanges? = nil) {
        self.name = name; self.model = model; self.preprocessing = preprocessing; self.classNames = classNames
        self.activationRanges = activationRanges
    }
}

/// A sample the ensemble got wrong: its dataset index, true and predicted class, and the
/// probability of the predicted class.
public struct Misclassification: Codable, Sendable, Equatable {
    public var index: Int
    public var trueClass: Int
    public var predictedClass: Int
    public var probability: Float

    enum CodingKeys: String, CodingKey {
        case index, trueClass = "true_class", predictedClass = "predicted_class", probability
    }

    public init(index: Int, trueClass: Int, predictedClass: Int, probability: Float) {
        self.index = index; self.trueClass = trueClass; self.predictedClass = predictedClass; self.probability = probability
    }
}

/// One member's figures in an evaluation.
public struct MemberEvaluation {
    public var name: String
    public var metrics: ClassificationMetrics
    /// Row-major `[N, C]`: per sample, the softmax probabilities averaged over the TTA views.
    public var probabilities: [Float]
}

/// The outcome of `evaluate`: each member's figures and the ensemble's (the mean of the
/// members' probabilities; with one member, that member's).
public struct EvaluationResult {
    public var members: [MemberEvaluation]
    public var ensemble: ClassificationMetrics
    /// The ensemble's probabilities, row-major `[N, C]`.
    public var probabilities: [Float]
    /// The samples' labels, in dataset order (the skipped ones left out).
    public var labels: [Int]
    /// The ensemble's mistakes that name a predicted class, in dataset order, by dataset index
    /// (a non-finite prediction names none; the metrics count it as wrong).
    public var misclassified: [Misclassification]
    /// Samples left out because they failed to decode (`skipBad`), described by their errors.
    public var skipped: [String]
}

/// Evaluates `members` on every sample of `dataset`, in order. Each image is decoded once (on
/// `workers` threads, deterministically), every member sees its views for `tta` under its own
/// preprocessing, a member's probabilities are the softmax of its logits averaged over the
/// views, and the ensemble's the mean over members. Models run compiled (`CompiledInference`:
/// evaluation mode, no gradients; their modes untouched), `batchSize` images (times the views)
/// at a time. Throws `GraftError.invalidArgument` when there is no member, when two
/// members' class names differ (naming both) or differ from the dataset's, or when a model's
/// output is not `[views, classes]`; a sample that fails to decode throws
/// `DataLoaderError.sampleFailed` naming it, or with `skipBad` is left out and listed.
/// Under `ComputePrecision.int8` a member without activation ranges is calibrated on the first
/// `calibrationBatches` batches (its views of them), and `calibrated` is told which.
public func evaluate(_ members: [EvaluationMember], on dataset: any Dataset, tta: TTA = .none,
                     batchSize: Int = 16, workers: Int = 2, skipBad: Bool = false, calibrationBatches: Int = 4,
                     calibrated: (_ member: String, _ batches: Int) -> Void = { _, _ in }) throws -> EvaluationResult {
    let op = "evaluate"
    guard let first = members.first else { throw GraftError.invalidArgument(op: op, detail: "no model to evaluate") }
    for member in members.dropFirst() {
        if let difference = classNamesDifference(first.classNames, member.classNames) {
            throw GraftError.invalidArgument(op: op,
                detail: "models '\(first.name)' and '\(member.name)' have different classes: \(difference)")
        }
    }
    if let difference = classNamesDifference(first.classNames, dataset.classNames) {
        throw GraftError.invalidArgument(op: op,
            detail: "model '\(first.name)' and the data have different classes: \(difference)")
    }
    let classes = first.classNames.count, views = tta.viewCount
    let plans = try members.map { m -> (preprocessing: Preprocessing, normalise: ToSample) in
        (m.preprocessing, try ToSample(mean: m.preprocessing.mean, std: m.preprocessing.std))
    }
    // A loader sample packs every member's views, flattened, one member after another.
    let sizes = members.map { views * $0.preprocessing.channels * $0.preprocessing.inputSize * $0.preprocessing.inputSize }
    let offsets = sizes.indices.map { sizes[..<$0].reduce(0, +) }
    let total = sizes.reduce(0, +)
    let loader = try DataLoader(dataset: dataset, batchSize: batchSize, workers: workers, shuffle: false, seed: 0,
                                skipFailures: skipBad) { image, _ in
        var values: [Float] = []
        values.reserveCapacity(total)
        for plan in plans {
            for view in try tta.images(of: image, preprocessing: plan.preprocessing) {
                values += try plan.normalise.apply(view).values
            }
        }
        return Sample(channels: 1, height: 1, width: total, values: values)
    }

    let compiled = members.map { member in
        let c = CompiledInference(member.model)
        c.activationRanges = member.activationRanges
        return c
    }
    /// Member `m`'s input in a loader batch of `b` images (`packed`, its values): its views of each image.
    func input(_ packed: [Float], _ b: Int, _ m: Int) -> Tensor {
        let p = members[m].preprocessing
        var input = [Float](repeating: 0, count: b * sizes[m])
        for i in 0..<b {
            input.replaceSubrange((i * sizes[m])..<((i + 1) * sizes[m]),
                                  with: packed[(i * total + offsets[m])..<(i * total + offsets[m] + sizes[m])])
        }
        return Tensor(shape: [b * views, p.channels, p.inputSize, p.inputSize], data: input)
    }

    var probabilities = [[Float]](repeating: [], count: members.count)
    var labels: [Int] = [], indices: [Int] = []
    let epoch = loader.epoch(0)
    var ahead: [Batch] = []
    let uncalibrated = Engine.shared.precision == .int8 ? compiled.indices.filter { compiled[$0].activationRanges == nil } : []
    if !uncalibrated.isEmpty {
        while ahead.count < calibrationBatches, let batch = try epoch.next() { ahead.append(batch) }
        for m in uncalibrated {
            try compiled[m].calibrate(ahead.map { input($0.images.toArray(), $0.indices.count, m) })
            calibrated(members[m].name, ahead.count)
        }
    }
    while let batch = try ahead.isEmpty ? epoch.next() : Optional(ahead.removeFirst()) {
        let packed = batch.images.toArray()
        labels += batch.labels.labels
        indices += batch.indices
        for (m, member) in members.enumerated() {
            probabilities[m] += try meanSoftmax(model: compiled[m], input: input(packed, batch.indices.count, m), views: views,
                                                classes: classes, name: member.name)
        }
    }

    let memberResults = try zip(members, probabilities).map { member, probs in
        MemberEvaluation(name: member.name, metrics: try ClassificationMetrics(probabilities: probs, labels: labels, classNames: first.classNames),
                         probabilities: probs)
    }
    let ensemble = members.count == 1 ? probabilities[0] : (0..<probabilities[0].count).map { j in
        Float(probabilities.reduce(0.0) { $0 + Double($1[j]) } / Double(members.count))
    }
    let misclassified = labels.enumerated().compactMap { i, label -> Misclassification? in
        let row = ensemble[(i * classes)..<((i + 1) * classes)]
        guard let predicted = ScoreRanking.predictedClass(row), predicted != label else { return nil }
        return Misclassification(index: indices[i], trueClass: label, predictedClass: predicted, probability: row[row.startIndex + predicted])
    }
    return EvaluationResult(members: memberResults,
                            ensemble: try ClassificationMetrics(probabilities: ensemble, labels: labels, classNames: first.classNames),
                            probabilities: ensemble, labels: labels, misclassified: misclassified,
                            skipped: epoch.statistics.skippedSamples)
}

/// The class probabilities `model` gives `image`: the softmax of its logits for each view of
/// `tta` (under `preprocessing`), averaged over the views, in evaluation mode without gradients.
public func classProbabilities(model: CompiledInference, image: Image, preprocessing: Preprocessing, tta: TTA = .none) throws -> [Float] {
    let x = try tta.views(of: image, preprocessing: preprocessing)
    return try meanSoftmax(model: model, input: x, views: tta.viewCount, classes: nil, name: "model")
}

/// `classProbabilities` of one image through a plan compiled for it: for many images, make one
/// `CompiledInference` and pass it.
public func classProbabilities(model: Module, image: Image, preprocessing: Preprocessing, tta: TTA = .none) throws -> [Float] {
    try classProbabilities(model: CompiledInference(model), image: image, preprocessing: preprocessing, tta: tta)
}

/// Runs `model` on `input` (`[N × views, C, H, W]`, the views of a sample consecutive) and
/// returns, per sample, the softmax of its views' logits averaged over the views: `[N, classes]`
/// row-major. `classes` nil accepts the model's output width.
func meanSoftmax(model: CompiledInference, input: Tensor, views: Int, classes: Int?, name: String) throws -> [Float] {
    let logits = try model(input)
    let rows = input.shape[0]
    guard logits.shape.count == 2, logits.shape[0] == rows, classes.map({ $0 == logits.shape[1] }) ?? true else {
        throw GraftError.shapeMismatch(op: "evaluate", detail: "model '\(name)' should give [views, classes] logits",
                                       lhs: logits.shape, rhs: [rows, classes ?? -1])
    }
    let c = logits.shape[1], values = logits.toArray()
    var out = [Float](repeating: 0, count: rows / views * c)
    var sums = [Double](repeating: 0, count: c), exps = sums
    for sample in 0..<(rows / views) {
        for k in 0..<c { sums[k] = 0 }
        for v in 0..<views {
            let row = (sample * views + v) * c
            var m = -Double.infinity
            for k in 0..<c { m = max(m, Double(values[row + k])) }
            var total = 0.0
            for k in 0..<c { exps[k] = Foundation.exp(Double(values[row + k]) - m); total += exps[k] }
            for k in 0..<c { sums[k] += exps[k] / total }
        }
        for k in 0..<c { out[sample * c + k] = Float(sums[k] / Double(views)) }
    }
    return out
}

/// Why two lists of class names differ ("10 vs 9 classes", "class 3 is 'cat' vs 'dog'"), or nil.
func classNamesDifference(_ a: [String], _ b: [String]) -> String? {
    if a.count != b.count { return "\(a.count) vs \(b.count) classes" }
    guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
    return "class \(i) is '\(a[i])' vs '\(b[i])'"
}
