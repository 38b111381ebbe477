import ArgumentParser
import Foundation
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

        --weights: without it the model starts from its family's default pretrained set \
        (graft weights list), fetched once into the weight cache and verified; the first line \
        names the set, its source and its licence, and the set's preprocessing becomes the \
        run's. A family without published weights (lenet5, alexnet_lrn) trains from scratch and \
        says so; --weights none always does. --weights-mirror, --offline and --lock say where \
        the weights may come from (see graft weights --help).

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
          graft train --model efficientnet_lite0 --data photos --freeze head
          graft train --model resnet18 --weights IMAGENET1K_V1 --data photos --freeze last:2 --epochs 15 --augment \
        "random-resized-crop(224), hflip, color-jitter(0.4, 0.4, 0.4)"
          graft train --model resnet18 --weights my-resnet18.pth --data photos
          graft train --model lenet5 --data /usr/share/datasets/fashion-mnist --epochs 10

        Exit status: 0 done, 1 failed (the message names the file or flag), 64 bad flags.
        """)

    @OptionGroup var training: TrainingFlags
    @Option(help: "Read flags from a JSON or YAML-style file (command-line flags win).")
    var config: String?
    @Flag(help: "Print JSON lines; the last one is the summary with val_top1 and checkpoint.")
    var json = false

    func validate() throws {
        try training.onnx.register(training.model)
        do {
            try training.options().validate()
        } catch let error as TrainingOptionError {
            throw ValidationError(OptionSpelling.message(error))
        }
    }

    func run() throws {
        let reporter: RunReporter = json ? JSONRunReporter() : TextRunReporter(spelling: OptionSpelling.spell)
        explainInterruption(out: training.out, statePath: RunFiles(training.out).state, resuming: training.resume)
        try reportingFailure("train") {
            _ = try runTransferTraining(try training.options(), reporter: reporter, store: try training.store.store())
        }
    }
}
