import Foundation
import GraftCore
import GraftHub
import GraftModels

/// Everything a training run needs to know: the model and its weights, the data, how much of
/// the trunk to freeze, the recipe, and where to write the run.
public struct TransferOptions: Codable, Sendable {
    /// A zoo architecture name.
    public var model: String
    /// The weights to start from, as `--weights` gives them: `imagenet` or a set's name (fetched
    /// through the weight store), a weight file (safetensors or PyTorch .pth), or `none` for
    /// random initialisation; nil: the family's default pretrained set, or random
    /// initialisation for a family that publishes none.
    public var weights: String?
    /// An ImageFolder root (`train/` + `val/` [+ `test/`] or one folder per class), a CSV file
    /// of `path,label` rows, or a directory of MNIST-family IDX files.
    public var data: String
    /// How much of the trunk stays frozen; nil: `head` from pretrained weights, `none` from random ones.
    public var freeze: FreezePolicy?
    public var epochs = 10
    public var batchSize = 32
    /// Side of the square network input; nil: the architecture's.
    public var imageSize: Int?
    /// Training augmentation (Pipeline SPEC); nil: random resized crop + horizontal flip for
    /// RGB models of 64 px and more, the evaluation transform otherwise.
    public var augment: String?
    /// The run's folder: checkpoints, log, report.
    public var out = "graft-run"
    public var optimizer = OptimizerChoice.adam
    public var learningRate: Float = 2e-3
    public var momentum: Float = 0.9
    public var weightDecay: Float = 0
    public var schedule = ScheduleChoice.onecycle
    public var labelSmoothing: Float = 0
    /// How the loss weighs the classes.
    public var classWeights = ClassWeighting.none
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
    /// The number format of convolutions and fully connected layers (bf16 needs AVX512-BF16);
    /// int8 runs what does not train quantised (VNNI), the rest in float32.
    public var precision = ComputePrecision.float32
    /// With int8: how many batches of training images calibrate the activation ranges.
    public var calibrationBatches = 4
    /// Augmented views per image in the feature or prefix cache; epoch e trains on view
    /// (e − 1) mod views. nil: 1 for the feature cache (`freeze` head, evaluation transform),
    /// ceil(epochs / 3) for the prefix cache.
    public var cacheViews: Int?
    /// Train on cached outputs of the frozen part: the trunk's features when only the head
    /// trains, the frozen prefix's output when one tensor crosses into the stages that train.
    public var featureCache = true
    /// Where cached features live; nil: `$XDG_CACHE_HOME/graft/features` or `~/.cache/graft/features`.
    public var cacheDirectory: String?
    /// The number format the prefix cache stores its values in.
    public var cachePrecision = CachePrecision.float32
    /// Bytes the prefix cache may hold in memory (beyond them it is read from its file); nil:
    /// half the memory the machine has available.
    public var cacheBudget: Int?
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

    /// The views the feature cache (`prefix` false) or the prefix cache uses.
    public func effectiveCacheViews(prefix: Bool) -> Int {
        cacheViews ?? (prefix ? min(Self.maximumCacheViews, (epochs + 2) / 3) : 1)
    }

    /// The freeze policy in effect: `freeze`, else `head` from pretrained weights and `none` from random ones.
    public var freezePolicy: FreezePolicy { freeze ?? (startsPretrained ? .head : .none) }

    /// Whether the run starts from pretrained weights: a set or a file, or without `weights`
    /// the family's default set, when it publishes one.
    public var startsPretrained: Bool {
        guard let weights else { return (try? ModelZoo.spec(model))?.defaultWeights != nil }
        return weights.lowercased() != WeightsChoice.noneArgument
    }
}
