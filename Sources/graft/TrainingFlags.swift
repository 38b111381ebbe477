import ArgumentParser
import Foundation
import GraftModels
import GraftTrain

/// The library's default options: the one place of the flags' defaults.
private let defaults = TransferOptions(model: "", data: "")

/// The flags of a training run, shared by `train` (all of them) and, through `RunFlags`, by
/// `demo`: their defaults are `TransferOptions`'s, and this is the one place that turns them into
/// `TransferOptions`.
struct TrainingFlags: ParsableArguments {
    @Option(help: "Model architecture (\(ModelZoo.names.joined(separator: ", "))).")
    var model: String
    @Option(help: ArgumentHelp("imagenet or a weight set's name (graft weights list), a weight file (.safetensors or PyTorch .pth), or none for random initialisation (default: the model's default pretrained set; from scratch for a model without one).", valueName: "SET|FILE|none"))
    var weights: String?
    @Option(help: "Data: ImageFolder root, CSV file or IDX directory.")
    var data: String
    @Option(help: "head | last:K | none | module prefixes (default: head from pretrained weights, none from random ones).")
    var freeze: String?
    @Option(help: "Passes over the training set.")
    var epochs = defaults.epochs
    @Option(name: .customLong("image-size"), help: "Side of the network input (default: the model's).")
    var imageSize: Int?
    @Option(help: "Training augmentation, a pipeline SPEC (see graft augment --help).")
    var augment: String?
    @Option(help: "Run folder for checkpoints, log and report.")
    var out = defaults.out
    @Option(help: "The optimizer (SGD with Nesterov momentum when --momentum > 0).")
    var optimizer = defaults.optimizer
    @Option(name: .customLong("lr"), help: "Peak learning rate.")
    var learningRate = defaults.learningRate
    @Option(help: "SGD momentum.")
    var momentum = defaults.momentum
    @Option(name: .customLong("weight-decay"), help: "Weight decay.")
    var weightDecay = defaults.weightDecay
    @Option(help: "Learning-rate schedule, stepped every batch.")
    var schedule = defaults.schedule
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε.")
    var labelSmoothing = defaults.labelSmoothing
    @Option(name: .customLong("class-weights"), help: "Class weights of the loss (balanced: for imbalanced classes).")
    var classWeights = defaults.classWeights
    @Option(help: "Stop after N epochs without a better validation top-1 (0: never).")
    var patience = defaults.patience
    @Flag(help: "Continue the run in --out from its last checkpoint (with the run's flags; --epochs may grow).")
    var resume = false
    @Flag(name: .customLong("resume-with-changes"), help: "With --resume: accept flags that differ from the run's (--lr, --batch-size, …); recorded in log.jsonl and the recipe.")
    var resumeWithChanges = false
    @Flag(help: "Replace the run already in --out.")
    var overwrite = false
    @Option(help: "Hidden layer sizes of the new head, e.g. 512,256.")
    var hidden: String?
    @Option(help: "Dropout before each layer of the new head.")
    var dropout = defaults.dropout
    @Option(name: .customLong("lr-factor"), help: "Discriminative learning rates: each stage further from the head gets lr × factor more.")
    var lrFactor = defaults.lrFactor
    @Option(name: .customLong("unfreeze-every"), help: "Gradual unfreezing: one more stage every N epochs (0: never).")
    var unfreezeEvery = defaults.unfreezeEvery
    @Option(name: .customLong("bn-momentum"), help: "Override every BatchNorm layer's momentum (e.g. 0.1 for a short run from scratch).")
    var bnMomentum: Float?
    @OptionGroup var compute: PrecisionOption
    @Option(name: .customLong("cache-views"), help: "Augmented views per image in the feature or prefix cache; epoch e trains on view (e-1) mod V (default: 1 for --freeze head, ceil(epochs/3) for a frozen prefix).")
    var cacheViews: Int?
    @Flag(name: .customLong("no-cache"), help: "Run the frozen trunk or prefix every epoch instead of caching its outputs.")
    var noCache = false
    @Option(name: .customLong("cache-dir"), help: "Feature and prefix cache folder (default $XDG_CACHE_HOME/graft/features, else $HOME/.cache/graft/features).")
    var cacheDirectory: String?
    @Option(name: .customLong("cache-precision"), help: "The prefix cache's number format (bf16: half the size).")
    var cachePrecision = defaults.cachePrecision
    @Option(name: .customLong("cache-budget"), help: ArgumentHelp("Memory the prefix cache may hold, e.g. 2GiB or 500MB; beyond it the cache is read from its file (default: half the available memory).", valueName: "SIZE"))
    var cacheBudget: String?
    @Option(name: .customLong("val-fraction"), help: "Share of each class held out for validation when there is no val/ folder.")
    var valFraction = defaults.valFraction
    @Option(name: .customLong("per-class"), help: "Use at most N training images per class.")
    var perClass: Int?
    @Option(name: .customLong("val-limit"), help: "Use at most N validation images.")
    var valLimit: Int?
    @Flag(name: .customLong("skip-bad"), help: "Skip (and count) images that fail to decode.")
    var skipBad = false
    @Option(help: "On a NaN or infinite loss: stop (end the run with an error) or skip (leave the step out, count it).")
    var nonfinite = defaults.nonfinite
    @Option(name: .customLong("stop-after"), help: .hidden)
    var stopAfter: Int?
    @OptionGroup var common: RunFlags
    @OptionGroup var store: WeightStoreFlags
    @OptionGroup var onnx: ONNXFlags

    /// The flags as the library's options. Throws `TrainingOptionError` for a `--freeze` or
    /// `--hidden` value that does not parse.
    func options() throws -> TransferOptions {
        var o = TransferOptions(model: model, data: data)
        o.weights = weights; o.freeze = try freeze.map(FreezePolicy.init(flag:)); o.epochs = epochs
        o.batchSize = common.batchSize; o.imageSize = imageSize; o.augment = augment; o.out = out
        o.optimizer = optimizer; o.learningRate = learningRate; o.momentum = momentum; o.weightDecay = weightDecay
        o.schedule = schedule; o.labelSmoothing = labelSmoothing; o.classWeights = classWeights; o.patience = patience
        o.resume = resume; o.resumeWithChanges = resumeWithChanges; o.overwrite = overwrite
        o.hidden = try hiddenSizes(); o.dropout = dropout; o.lrFactor = lrFactor; o.unfreezeEvery = unfreezeEvery
        o.bnMomentum = bnMomentum; o.precision = compute.precision; o.calibrationBatches = compute.calibrationBatches; o.cacheViews = cacheViews; o.featureCache = !noCache
        o.cacheDirectory = cacheDirectory; o.cachePrecision = cachePrecision
        o.cacheBudget = try cacheBudget.map { text in
            guard let bytes = ByteSize.parse(text) else {
                throw TrainingOptionError(.cacheBudget, "'\(text)' is not a size; write one like 2GiB, 500MB or 1048576")
            }
            return bytes
        }
        o.valFraction = valFraction; o.perClass = perClass; o.valLimit = valLimit
        o.workers = common.workers; o.skipBad = skipBad; o.seed = common.seed; o.stopAfter = stopAfter; o.nonfinite = nonfinite
        return o
    }

    /// `--hidden 512,256` as sizes.
    private func hiddenSizes() throws -> [Int] {
        guard let hidden else { return [] }
        var sizes: [Int] = []
        for part in hidden.split(separator: ",") {
            guard let size = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw TrainingOptionError(.hidden, "'\(hidden)': expected sizes like 512,256")
            }
            sizes.append(size)
        }
        return sizes
    }
}

/// The flags every training command has with the same defaults: `--batch-size`, `--workers`
/// and `--seed`.
struct RunFlags: ParsableArguments {
    @Option(name: .customLong("batch-size"), help: "Images per step.")
    var batchSize = defaults.batchSize
    @Option(help: "Decoding and augmentation threads.")
    var workers = defaults.workers
    @Option(help: "Random seed (initialisation, split, shuffling, augmentation, dropout).")
    var seed = defaults.seed
}

extension OptimizerChoice: ExpressibleByArgument {}
extension ScheduleChoice: ExpressibleByArgument {}
extension ClassWeighting: ExpressibleByArgument {}
extension NonFinitePolicy: ExpressibleByArgument {}
extension CachePrecision: ExpressibleByArgument {}
extension TTA: ExpressibleByArgument {}
