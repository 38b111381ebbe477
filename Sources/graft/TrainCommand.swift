import ArgumentParser
import Foundation
import GraftModels
import GraftTrain

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune a pretrained model (or train one from scratch) on your images.",
        discussion: """
        --data is an ImageFolder root (one folder per class, or train/ + val/ [+ test/] folders \
        of classes), a CSV file of path,label rows (paths relative to the CSV), or a directory of \
        MNIST-family IDX files (train-* for training, t10k-* the test set). Without a validation \
        folder, --val-fraction of each class is held out (seeded) for validation. The best \
        checkpoint is scored on the test set (an ImageFolder's test/, the t10k-* files) at the end.

        --freeze says how much of the pretrained trunk stays fixed: head (train only the new \
        head; its input features are computed once and cached), last:K (the last K stages and \
        the head), none (everything, the weights only initialise), or module prefixes \
        (layer1,layer2). Frozen BatchNorm layers keep their statistics.

        The run folder (--out) receives best.safetensors and last.safetensors (self-describing \
        checkpoints: graft predict --model OUT/best.safetensors IMAGE needs nothing else), \
        last.state.safetensors (for --resume), log.jsonl and report.html. A folder that already \
        holds a run is refused unless --overwrite (replace it) or --resume (continue it); --resume \
        refuses flags that differ from the run's unless --resume-with-changes.

        --config FILE reads flags from a JSON object ({"model": "resnet18", "epochs": 5}) or a \
        YAML-style file of `key: value` lines; flags on the command line win.

        Examples:
          graft train --model efficientnet_lite0 --weights efficientnet-lite0.pth --data photos --freeze head
          graft train --model resnet18 --weights resnet18.pth --data photos --freeze last:2 --epochs 15 --augment \
        "random-resized-crop(224), hflip, color-jitter(0.4, 0.4, 0.4)"
          graft train --model lenet5 --data /usr/share/datasets/fashion-mnist --epochs 10

        Exit status: 0 done, 1 failed (the message names the file or flag), 64 bad flags.
        """)

    @Option(help: "Model architecture (\(ModelZoo.names.joined(separator: ", "))).")
    var model: String
    @Option(help: "Pretrained weights (.safetensors or PyTorch .pth); without it the model trains from scratch.")
    var weights: String?
    @Option(help: "Data: ImageFolder root, CSV file or IDX directory.")
    var data: String
    @Option(help: "head | last:K | none | module prefixes (default: head with --weights, none without).")
    var freeze: String?
    @Option(help: "Passes over the training set.")
    var epochs = 10
    @Option(name: .customLong("batch-size"), help: "Images per step.")
    var batchSize = 32
    @Option(name: .customLong("image-size"), help: "Side of the network input (default: the model's).")
    var imageSize: Int?
    @Option(help: "Training augmentation, a pipeline SPEC (see graft augment --help).")
    var augment: String?
    @Option(help: "Run folder for checkpoints, log and report.")
    var out = "graft-run"
    @Option(help: "sgd, adam or adamw.")
    var optimizer = "adam"
    @Option(name: .customLong("lr"), help: "Peak learning rate.")
    var learningRate: Float = 2e-3
    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9
    @Option(name: .customLong("weight-decay"), help: "Weight decay.")
    var weightDecay: Float = 0
    @Option(help: "Learning-rate schedule: none, step, cosine or onecycle.")
    var schedule = "onecycle"
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε.")
    var labelSmoothing: Float = 0
    @Option(name: .customLong("class-weights"), help: "none or balanced (for imbalanced classes).")
    var classWeights = "none"
    @Option(help: "Stop after N epochs without a better validation top-1 (0: never).")
    var patience = 0
    @Flag(help: "Continue the run in --out from its last checkpoint (with the run's flags; --epochs may grow).")
    var resume = false
    @Flag(name: .customLong("resume-with-changes"), help: "With --resume: accept flags that differ from the run's (--lr, --batch-size, …); recorded in log.jsonl and the recipe.")
    var resumeWithChanges = false
    @Flag(help: "Replace the run already in --out.")
    var overwrite = false
    @Option(help: "Hidden layer sizes of the new head, e.g. 512,256.")
    var hidden: String?
    @Option(help: "Dropout before each layer of the new head.")
    var dropout: Float = 0
    @Option(name: .customLong("lr-factor"), help: "Discriminative learning rates: each stage further from the head gets lr × factor more.")
    var lrFactor: Float = 1
    @Option(name: .customLong("unfreeze-every"), help: "Gradual unfreezing: one more stage every N epochs (0: never).")
    var unfreezeEvery = 0
    @Option(name: .customLong("bn-momentum"), help: "Override every BatchNorm layer's momentum (e.g. 0.1 for a short run from scratch).")
    var bnMomentum: Float?
    @OptionGroup var compute: PrecisionOption
    @Option(name: .customLong("cache-views"), help: "Augmented views per image in the feature cache (--freeze head).")
    var cacheViews = 1
    @Flag(name: .customLong("no-cache"), help: "Run the frozen trunk every epoch instead of caching its features.")
    var noCache = false
    @Option(name: .customLong("cache-dir"), help: "Feature cache folder (default $XDG_CACHE_HOME/graft/features, else $HOME/.cache/graft/features).")
    var cacheDirectory: String?
    @Option(name: .customLong("val-fraction"), help: "Share of each class held out for validation when there is no val/ folder.")
    var valFraction = 0.1
    @Option(name: .customLong("per-class"), help: "Use at most N training images per class.")
    var perClass: Int?
    @Option(name: .customLong("val-limit"), help: "Use at most N validation images.")
    var valLimit: Int?
    @Option(help: "Decoding and augmentation threads.")
    var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    @Flag(name: .customLong("skip-bad"), help: "Skip (and count) images that fail to decode.")
    var skipBad = false
    @Option(help: "Random seed (initialisation, split, shuffling, augmentation, dropout).")
    var seed: UInt64 = 0
    @Option(help: "On a NaN or infinite loss: stop (end the run with an error) or skip (leave the step out, count it).")
    var nonfinite = NonFinitePolicy.stop
    @Option(name: .customLong("stop-after"), help: .hidden)
    var stopAfter: Int?
    @Option(help: "Read flags from a JSON or YAML-style file (command-line flags win).")
    var config: String?
    @Flag(help: "Print JSON lines; the last one is the summary with val_top1 and checkpoint.")
    var json = false

    func options() throws -> TransferOptions {
        var o = TransferOptions(model: model, data: data)
        o.weights = weights; o.freeze = freeze; o.epochs = epochs; o.batchSize = batchSize; o.imageSize = imageSize
        o.augment = augment; o.out = out; o.optimizer = optimizer; o.learningRate = learningRate; o.momentum = momentum
        o.weightDecay = weightDecay; o.schedule = schedule; o.labelSmoothing = labelSmoothing; o.classWeights = classWeights
        o.patience = patience; o.resume = resume; o.resumeWithChanges = resumeWithChanges; o.overwrite = overwrite; o.dropout = dropout; o.lrFactor = lrFactor
        o.unfreezeEvery = unfreezeEvery; o.bnMomentum = bnMomentum; o.precision = compute.precision; o.cacheViews = cacheViews; o.featureCache = !noCache
        o.cacheDirectory = cacheDirectory; o.valFraction = valFraction; o.perClass = perClass; o.valLimit = valLimit
        o.workers = workers; o.skipBad = skipBad; o.seed = seed; o.stopAfter = stopAfter; o.nonfinite = nonfinite
        if let hidden {
            let sizes = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard sizes.allSatisfy({ $0 != nil }) else { throw ValidationError("--hidden '\(hidden)': expected sizes like 512,256") }
            o.hidden = sizes.map { $0! }
        }
        return o
    }

    func validate() throws {
        do {
            try options().validate()
        } catch let error as TrainOptionsError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let reporter: RunReporter = json ? JSONRunReporter() : TextRunReporter()
        explainInterruption(out: out, statePath: RunFiles(out).state, resuming: resume)
        try reportingFailure("train") { _ = try runTransferTraining(try options(), reporter: reporter) }
    }
}

extension NonFinitePolicy: ExpressibleByArgument {}
