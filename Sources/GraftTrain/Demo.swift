import Foundation
import GraftCore
import GraftHub
import GraftModels

/// The transfer-learning lab of `graft demo`: one network, four ways of training it on a small
/// labelled set, one table.
public struct DemoOptions: Sendable {
    /// ImageNet weights of `model`, as `TransferOptions.weights` takes them; nil: its default set.
    public var weights: String?
    /// An IDX directory (Fashion-MNIST) or any training data path.
    public var data: String
    public var model = "efficientnet_lite0"
    public var out = "graft-demo"
    public var perClass = 100
    public var valLimit = 500
    /// Epochs of the two ways that fine-tune pretrained weights.
    public var epochs = 6
    public var headEpochs = 30
    /// Epochs from scratch: three times as many by default, for a fair baseline.
    public var scratchEpochs = 18
    public var imageSize = 64
    public var batchSize = 32
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var seed: UInt64 = 0
    /// A second run of each way at its learning rate × this (what tuning does), on the same
    /// images and reusing what the first run cached (the head's feature cache); nil: none.
    public var rerunLearningRateScale: Float?

    public init(data: String) { self.data = data }
}

/// One way of training, and what it gave.
public struct DemoRow: Codable, Sendable {
    public var way: String
    public var freeze: String
    public var pretrained: Bool
    public var epochs: Int
    public var learningRate: Float
    public var valTop1: Double?
    public var testTop1: Double?
    public var testTop5: Double?
    public var seconds: Double
    public var trunkSeconds: Double?
    public var cachedEpochSeconds: Double?
}

/// Trains `options.model` four ways — the head alone on cached features, the last stages, the
/// whole network from the pretrained weights, and the whole network from scratch — each on
/// `perClass` images per class, and evaluates each best checkpoint on the data's test set; with
/// `rerunLearningRateScale`, each way runs again at the scaled learning rate right after its first run.
/// Each run's folder holds the subset of the data it used (`RunFiles.subset`).
/// Published weights come through `store` (by default as the environment configures it).
public func runDemo(_ options: DemoOptions, reporter: RunReporter,
                    store: @autoclosure () throws -> WeightStore = try WeightStore(settings: .resolve())) throws -> [DemoRow] {
    let ways: [(String, FreezePolicy, Bool, Int, Float)] = [
        ("head only, cached features", .head, true, options.headEpochs, 3e-3),
        ("last stages (last:4)", .last(4), true, options.epochs, 1e-3),
        ("full fine-tune", .none, true, options.epochs, 1e-3),
        ("from scratch", .none, false, options.scratchEpochs, 3e-3),
    ]
    let scales: [Float] = [1] + (options.rerunLearningRateScale.map { [$0] } ?? [])
    for (_, _, _, _, lr) in ways {
        for scale in scales where !(lr * scale > 0 && (lr * scale).isFinite) {
            throw GraftError.invalidArgument(op: "runDemo", detail: "the rerun learning-rate scale \(scale) makes a learning rate of \(lr * scale); it must give a positive, finite one")
        }
    }
    var rows: [DemoRow] = []
    for (n, (way, freeze, pretrained, epochs, lr)) in ways.enumerated() {
        for (rerun, scale) in scales.enumerated() {
            reporter.note("— \(n + 1)/4: \(way)" + (rerun > 0 ? ", again at learning rate \(String(format: "%g", Double(lr * scale))) —" : " —"))
            var o = TransferOptions(model: options.model, data: options.data)
            o.weights = pretrained ? options.weights : WeightsChoice.noneArgument
            // EfficientNet's BatchNorm momentum (TensorFlow's 0.01) suits long ImageNet runs: from
            // scratch in a few hundred steps its running statistics never catch up with the
            // weights, and the network predicts one class in inference mode. 0.1 is torch's default.
            o.bnMomentum = pretrained ? nil : 0.1
            o.freeze = freeze
            o.epochs = epochs
            o.learningRate = lr * scale
            o.optimizer = .adamw
            o.weightDecay = 0.01
            o.imageSize = options.imageSize
            o.augment = "random-resized-crop(\(options.imageSize), scale=0.6-1), hflip"
            o.batchSize = options.batchSize
            o.perClass = options.perClass
            o.valLimit = options.valLimit
            o.workers = options.workers
            o.seed = options.seed
            o.out = (options.out as NSString).appendingPathComponent(["head", "last", "full", "scratch"][n] + (rerun > 0 ? "-rerun" : ""))
            o.overwrite = true   // the demo's own folders: a second demo replaces the first
            let s = try runTransferTraining(o, reporter: reporter, store: try store())
            rows.append(DemoRow(way: way, freeze: freeze.description, pretrained: pretrained, epochs: s.epochs, learningRate: o.learningRate,
                                valTop1: s.valTop1, testTop1: s.testTop1, testTop5: s.testTop5, seconds: s.seconds,
                                trunkSeconds: s.trunkSeconds, cachedEpochSeconds: s.cachedEpochSeconds))
        }
    }
    return rows
}

/// The demo's table in Markdown: way, weights, epochs, learning rate, test top-1/top-5, time.
public func demoTable(_ rows: [DemoRow]) -> String {
    func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
    var lines = ["| way | freeze | weights | epochs | lr | test top-1 | test top-5 | time |",
                 "|---|---|---|---|---|---|---|---|"]
    for r in rows {
        lines.append("| \(r.way) | \(r.freeze) | \(r.pretrained ? "ImageNet" : "random") | \(r.epochs) | \(String(format: "%g", Double(r.learningRate))) | \(pct(r.testTop1)) | "
                     + "\(pct(r.testTop5)) | \(String(format: "%.0f s", r.seconds)) |")
    }
    if let best = rows.filter(\.pretrained).compactMap(\.testTop1).max(), let scratch = rows.filter({ !$0.pretrained }).compactMap(\.testTop1).max() {
        lines.append("")
        lines.append(String(format: "Transfer beats training from scratch by %.1f points of test top-1.", (best - scratch) * 100))
    }
    return lines.joined(separator: "\n")
}
