import ArgumentParser
import Foundation
import GraftTrain

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The transfer-learning lab: EfficientNet-Lite0 on 100 Fashion-MNIST images per class, four ways.",
        discussion: """
        Trains the ImageNet-pretrained EfficientNet-Lite0 four ways on --per-class images of each \
        class: the head alone on cached trunk features, the last stages, the whole network, and \
        the same network from scratch; evaluates each on the full test set (10,000 images) and \
        prints a table of accuracy and time. `make demo` installs the data and the weights and runs it.

        Example: graft demo --weights .cache/efficientnet-lite0-57934424.pth
        """)

    @Option(help: "EfficientNet-Lite0 ImageNet weights.")
    var weights = ".cache/efficientnet-lite0-57934424.pth"
    @Option(help: "Data set (Fashion-MNIST IDX directory by default).")
    var data = "/usr/share/datasets/fashion-mnist"
    @Option(help: "Folder for the four runs.")
    var out = "graft-demo"
    @Option(name: .customLong("per-class"), help: "Training images per class.")
    var perClass = 100
    @Option(help: "Epochs of the three ways that run the network.")
    var epochs = 8
    @Option(name: .customLong("head-epochs"), help: "Epochs of the head trained on cached features.")
    var headEpochs = 30
    @Option(name: .customLong("image-size"), help: "Side of the network input.")
    var imageSize = 112
    @Flag(help: "Print JSON lines; the last one holds the table's rows.")
    var json = false

    func run() throws {
        var o = DemoOptions(weights: weights, data: data)
        o.out = out; o.perClass = perClass; o.epochs = epochs; o.headEpochs = headEpochs; o.imageSize = imageSize
        let reporter: RunReporter = json ? JSONRunReporter() : TextRunReporter()
        try reportingFailure("demo") {
            let rows = try runDemo(o, reporter: reporter)
            if json {
                print(jsonObjectLine(["rows": rows]))
            } else {
                print("\n" + demoTable(rows))
            }
        }
    }
}
