import Foundation
import GraftCore
import GraftModels

/// Everything `graft train` needs to know: the model and its weights, the data, how much of
/// the trunk to freeze, the recipe, and where to write the run.
public struct TransferOptions: Codable, Sendable {
    /// A zoo architecture name.
    public var model: String
    /// Pretrained weights (safetensors or PyTorch .pth); nil trains from scratch.
    public var weights: String?
    /// An ImageFolder root (`train/` + `val/` [+ `test/`] or one folder per class), a CSV file
    /// of `path,label` rows, or a directory of MNIST-family IDX files.
    public var data: String
    /// `head`, `last:K`, `none` or comma-separated module prefixes; nil: `head` with
    /// `weights`, `none` without.
    public var freeze: String?
    public var epochs = 10
    public var batchSize = 32
    /// Side of the square network input; nil: the architecture's.
    public var imageSize: Int?
    /// Training augmentation (Pipeline SPEC); nil: random resized crop + horizontal flip for
    /// RGB models of 64 px and more, the evaluation transform otherwise.
    public var augment: String?
    /// The run's folder: checkpoints, log, report.
    public var out = "graft-run"
    public var optimizer = "adam"
    public var learningRate: Float = 2e-3
    public var momentum: Float = 0.9
    public var weightDecay: Float = 0
    public var schedule = "onecycle"
    public var labelSmoothing: Float = 0
    /// `none` or `balanced` (weights inversely proportional to class frequency).
    public var classWeights = "none"
    /// Stop after this many epochs without a better validation top-1; 0 never stops early.
    public var patience = 0
    /// Continue the run in `out` from its last checkpoint.
    public var resume = false
    /// With `resume`: accept flags that differ from the run's recipe (recorded in the log and recipe).
    public var resumeWithChanges = false
    /// Replace a run already in `out` (its files are removed first).
    public var overwrite = false
    /// Hidden dense layers of the new head, input to output.
    public var hidden: [Int] = []
    /// Dropout before each dense layer of the new head.
    public var dropout: Float = 0
    /// Discriminative learning rates: each stage further from the head gets lr × factor more.
    public var lrFactor: Float = 1
    /// Unfreeze one more stage every N epochs (gradual unfreezing); 0 never.
    public var unfreezeEvery = 0
    /// Overrides every BatchNorm layer's momentum (EfficientNet's 0.01 suits long schedules;
    /// 0.1 lets a short run from scratch settle its running statistics); nil keeps the model's.
    public var bnMomentum: Float?
    /// The number format of convolutions and fully connected layers (bf16 needs AVX512-BF16).
    public var precision = ComputePrecision.float32
    /// Augmented views per image in the feature cache (used when the whole trunk is frozen).
    public var cacheViews = 1
    /// Train the head on cached trunk features when the whole trunk is frozen.
    public var featureCache = true
    /// Where cached features live; nil: `$XDG_CACHE_HOME/graft/features` or `~/.cache/graft/features`.
    public var cacheDirectory: String?
    /// Validation fraction split off the training images when the data has no validation set.
    public var valFraction = 0.1
    /// Keep at most N training images per class (seeded choice).
    public var perClass: Int?
    /// Keep at most N validation images (stratified, seeded choice).
    public var valLimit: Int?
    /// Decoding and augmentation threads.
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Leave out (and count) images that fail to decode instead of stopping.
    public var skipBad = false
    public var seed: UInt64 = 0
    /// Stop cleanly after this epoch, as an interrupted run would (tests of resuming).
    public var stopAfter: Int?
    /// What a step with a NaN or infinite loss does: stop the run (default) or be skipped.
    public var nonfinite = NonFinitePolicy.stop

    public static let optimizers = ["sgd", "adam", "adamw"]
    public static let schedules = ["none", "step", "cosine", "onecycle"]
    /// The most epochs a run may have (a schedule's step count stays far from overflowing).
    public static let maximumEpochs = 100_000
    /// The largest batch: 4096 images of 224 × 224 RGB are 2.5 GB of input floats.
    public static let maximumBatchSize = 4096
    /// The most augmented views per image in the feature cache.
    public static let maximumCacheViews = 64
    /// The most decoding and augmentation threads (more than any machine's cores).
    public static let maximumWorkers = 1024

    public init(model: String, data: String) {
        self.model = model; self.data = data
    }

    /// The freeze policy text in effect.
    public var freezeText: String { freeze ?? (weights == nil ? "none" : "head") }

    /// Checks every flag; the error names the flag at fault and what it accepts.
    public func validate() throws {
        func fail(_ message: String) -> TrainOptionsError { TrainOptionsError(description: message) }
        guard ModelZoo.names.contains(model) else {
            throw fail("unknown --model '\(model)'; known models: \(ModelZoo.names.joined(separator: ", "))")
        }
        guard (1...TransferOptions.maximumEpochs).contains(epochs) else {
            throw fail("--epochs must be 1 to \(TransferOptions.maximumEpochs), not \(epochs)")
        }
        guard (1...TransferOptions.maximumBatchSize).contains(batchSize) else {
            throw fail("--batch-size must be 1 to \(TransferOptions.maximumBatchSize), not \(batchSize)")
        }
        guard learningRate > 0, learningRate.isFinite else { throw fail("--lr must be a positive number, not \(learningRate)") }
        guard weightDecay >= 0 else { throw fail("--weight-decay must not be negative") }
        guard momentum >= 0, momentum < 1 else { throw fail("--momentum must be in [0, 1), not \(momentum)") }
        guard (0..<1).contains(labelSmoothing) else { throw fail("--label-smoothing must be in [0, 1), not \(labelSmoothing)") }
        guard TransferOptions.optimizers.contains(optimizer) else {
            throw fail("unknown --optimizer '\(optimizer)'; choose one of \(TransferOptions.optimizers.joined(separator: ", "))")
        }
        guard TransferOptions.schedules.contains(schedule) else {
            throw fail("unknown --schedule '\(schedule)'; choose one of \(TransferOptions.schedules.joined(separator: ", "))")
        }
        guard ["none", "balanced"].contains(classWeights) else {
            throw fail("unknown --class-weights '\(classWeights)'; choose none or balanced")
        }
        guard patience >= 0 else { throw fail("--patience must not be negative") }
        if hidden.count > HeadConfig.maximumHiddenLayers {
            throw fail("--hidden has \(hidden.count) layers; at most \(HeadConfig.maximumHiddenLayers)")
        }
        if let w = hidden.first(where: { !(1...HeadConfig.maximumHiddenWidth).contains($0) }) {
            throw fail("--hidden sizes must be 1 to \(HeadConfig.maximumHiddenWidth), not \(w)")
        }
        guard (0..<1).contains(dropout) else { throw fail("--dropout must be in [0, 1), not \(dropout)") }
        guard lrFactor > 0, lrFactor <= 1 else { throw fail("--lr-factor must be in (0, 1], not \(lrFactor)") }
        guard unfreezeEvery >= 0 else { throw fail("--unfreeze-every must not be negative") }
        if let m = bnMomentum, !(m > 0 && m <= 1) { throw fail("--bn-momentum must be in (0, 1], not \(m)") }
        if precision == .bfloat16 && !Engine.shared.supportsBFloat16 {
            throw fail("--precision bf16 needs a CPU with AVX512-BF16; this one has not got it")
        }
        guard (1...TransferOptions.maximumCacheViews).contains(cacheViews) else {
            throw fail("--cache-views must be 1 to \(TransferOptions.maximumCacheViews), not \(cacheViews)")
        }
        guard valFraction > 0, valFraction < 1 else { throw fail("--val-fraction must be between 0 and 1, not \(valFraction)") }
        if let n = perClass, n <= 0 { throw fail("--per-class must be at least 1") }
        if let n = valLimit, n <= 0 { throw fail("--val-limit must be at least 1") }
        if let s = imageSize, !(8...Preprocessing.maximumInputSize).contains(s) {
            throw fail("--image-size must be 8 to \(Preprocessing.maximumInputSize), not \(s)")
        }
        guard (0...TransferOptions.maximumWorkers).contains(workers) else {
            throw fail("--workers must be 0 to \(TransferOptions.maximumWorkers), not \(workers)")
        }
        guard FileManager.default.fileExists(atPath: data) else {
            throw fail("--data '\(data)': no such file or directory")
        }
        if let weights, !FileManager.default.fileExists(atPath: weights) {
            throw fail("--weights '\(weights)': no such file")
        }
        let spec = try ModelZoo.spec(model)
        try FreezePolicy(flag: freezeText).validate(for: spec, head: HeadConfig(classes: 2, hidden: hidden, dropout: dropout))
        _ = try RunPipelines(spec: spec, size: imageSize ?? spec.preprocessing.inputSize, augment: augment)
        try RunFiles(out).checkUse(resume: resume, resumeWithChanges: resumeWithChanges, overwrite: overwrite)
        if resume {
            do {
                _ = try ResumePoint.changes(files: RunFiles(out), options: self, recipe: recipe(self))
            } catch let error as TrainOptionsError {
                throw error
            } catch {
                // A run folder that cannot be read is the run's to report, naming the file.
            }
        }
    }
}

/// A flag given to `graft train` that cannot be used; the message names the flag.
public struct TrainOptionsError: Error, CustomStringConvertible {
    public let description: String
}
