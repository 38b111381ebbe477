import ArgumentParser
import Foundation
import GraftTrain

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The transfer-learning lab: EfficientNet-Lite0 on 100 Fashion-MNIST images per class, four ways.",
        discussion: """
        Trains the ImageNet-pretrained EfficientNet-Lite0 four ways on --per-class images of each \
        class (upscaled to --image-size, grey to RGB): the head alone on cached trunk features, the last stages, the whole network, and \
        the same network from scratch; evaluates each on the full test set (10,000 images) and \
        prints a table of accuracy and time. Each run's folder holds subset.json, the images it \
        used (bench/lab.py trains on them in PyTorch). The weights are EfficientNet-Lite0's published ImageNet \
        set, fetched once into the weight cache and verified (see graft weights); `make demo` \
        installs the data, places the weight file in a mirror folder and runs it.

        Examples:
          graft demo
          graft demo --rerun-lr-scale 0.3
          GRAFT_WEIGHTS_MIRROR=.cache/weights-mirror graft demo --offline
        """)

    @Option(help: ArgumentHelp("EfficientNet-Lite0's ImageNet weights: a weight set's name or a weight file (default: its default set).", valueName: "SET|FILE"))
    var weights: String?
    @Option(help: "Data set (Fashion-MNIST IDX directory by default).")
    var data = "/usr/share/datasets/fashion-mnist"
    @Option(help: "Folder for the four runs.")
    var out = "graft-demo"
    @Option(name: .customLong("per-class"), help: "Training images per class.")
    var perClass = 100
    @Option(help: "Epochs of the last-stages and full fine-tunes.")
    var epochs = 6
    @Option(name: .customLong("head-epochs"), help: "Epochs of the head trained on cached features.")
    var headEpochs = 30
    @Option(name: .customLong("scratch-epochs"), help: "Epochs of the network trained from scratch.")
    var scratchEpochs = 18
    @Option(name: .customLong("image-size"), help: "Side of the network input (Fashion-MNIST's 28 px upscaled).")
    var imageSize = 64
    @Option(name: .customLong("rerun-lr-scale"), help: ArgumentHelp("Run each way a second time at its learning rate × SCALE, as tuning does (it reuses the first run's feature cache).", valueName: "SCALE"))
    var rerunLearningRateScale: Float?
    @OptionGroup var common: RunFlags
    @OptionGroup var store: WeightStoreFlags
    @Flag(help: "Print JSON lines; the last one holds the table's rows.")
    var json = false

    func validate() throws {
        if let s = rerunLearningRateScale, !(s > 0 && s.isFinite) {
            throw ValidationError("--rerun-lr-scale must be a positive number, not \(s)")
        }
    }

    func run() throws {
        var o = DemoOptions(data: data)
        o.weights = weights; o.out = out; o.perClass = perClass; o.epochs = epochs; o.headEpochs = headEpochs; o.scratchEpochs = scratchEpochs
        o.rerunLearningRateScale = rerunLearningRateScale
        o.imageSize = imageSize; o.batchSize = common.batchSize; o.workers = common.workers; o.seed = common.seed
        let reporter: RunReporter = json ? JSONRunReporter() : TextRunReporter(spelling: OptionSpelling.spell)
        try reportingFailure("demo") {
            let rows = try runDemo(o, reporter: reporter, store: try store.store())
            if json {
                print(jsonObjectLine(["rows": rows]))
            } else {
                print("\n" + demoTable(rows))
            }
        }
    }
}
