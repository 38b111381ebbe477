import ArgumentParser
import Foundation
import GraftHub
import GraftModels
import GraftTrain

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a zoo model's layers, or a weight file's tensors and the zoo models it fits.",
        discussion: """
        For a model: each layer with its output shape, parameters and FLOPs per image; with \
        --graph, the compiled plan that inference runs (predict, evaluate, validation, the \
        feature cache): one line per step, with fused ops, inputs and parameters, output shape, \
        precision, layout, buffer and FLOPs, then the totals and the memory planned; \
        --precision bf16 shows it in bfloat16, --freeze POLICY what training under that policy \
        runs compiled; with --freeze POLICY --cache-views V (no --graph), where the prefix cache \
        cuts the graph (the op and its output's shape per image), the share of the forward's \
        FLOPs the frozen prefix does, and the cache's size for --images N images (default 1000) \
        at fp32 and bf16, at --image-size S (default: the model's); with \
        --weights SET, the set's facts (source, file, size, SHA-256, licence, reported accuracy, \
        classes, preprocessing, whether it is cached; nothing is fetched), with --weights FILE, \
        whether the file loads into it. For a file (safetensors or PyTorch .pth): each tensor's \
        name, dtype and shape, and the zoo models it fits.

        Examples:
          graft inspect resnet18
          graft inspect resnet50 --weights imagenet
          graft inspect mobilenet_v2 --graph
          graft inspect resnet50 --graph --precision bf16 --freeze head
          graft inspect resnet18 --freeze last:2 --cache-views 4 --image-size 64 --images 20000
          graft inspect .cache/efficientnet-lite0-57934424.pth
          graft inspect run/best.safetensors --json
        """)

    @Argument(help: "A model name (\(ModelZoo.names.joined(separator: ", "))) or a weight file.")
    var target: String

    @Option(help: ArgumentHelp("With a model: a weight set's name (imagenet, …) to describe, or a weight file to load into it.", valueName: "SET|FILE"))
    var weights: String?

    @OptionGroup var store: WeightStoreFlags

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Print the model's compiled inference plan: one line per step, then the totals.")
    var graph = false

    @OptionGroup var precision: PrecisionOption

    @Option(help: ArgumentHelp("With --graph: what training under this freeze policy (head | last:K | none | module prefixes) runs compiled.", valueName: "POLICY"))
    var freeze: String?

    @Option(name: .customLong("cache-views"), help: "With --freeze (no --graph): where the prefix cache cuts and its size for V views.")
    var cacheViews: Int?

    @Option(name: .customLong("image-size"), help: "With --cache-views: the side of the network input (default: the model's).")
    var imageSize: Int?

    @Option(help: "With --cache-views: the number of images the cache's size is given for.")
    var images = 1000

    @OptionGroup var onnx: ONNXFlags

    func validate() throws {
        try onnx.register(target)
        guard ModelZoo.names.contains(target) || FileManager.default.fileExists(atPath: target) else {
            throw ValidationError("'\(target)' is neither a file nor a known model (\(ModelZoo.names.joined(separator: ", ")))")
        }
        _ = try choice()
        if cacheViews != nil || imageSize != nil || images != 1000 {
            guard cacheViews != nil, freeze != nil, !graph, !json, weights == nil, precision.precision == .float32,
                  ModelZoo.names.contains(target) else {
                throw ValidationError("--cache-views goes with a model and --freeze, and --image-size and --images with --cache-views; leave out --graph, --json, --weights and --precision")
            }
        } else if graph {
            guard ModelZoo.names.contains(target) else { throw ValidationError("--graph goes with a model; '\(target)' is a weight file") }
            guard !json, weights == nil else { throw ValidationError("--graph prints text on its own; leave out --json and --weights") }
        } else if precision.precision != .float32 || freeze != nil {
            throw ValidationError("--precision and --freeze go with --graph (--freeze also with --cache-views)")
        }
        _ = try freezePolicy()
    }

    /// `--freeze` as a policy; nil without it.
    private func freezePolicy() throws -> FreezePolicy? {
        do {
            return try freeze.map(FreezePolicy.init(flag:))
        } catch let error as TrainingOptionError {
            throw ValidationError(OptionSpelling.message(error))
        }
    }

    /// What `--weights` asks for the model; `.none` without it.
    private func choice() throws -> WeightsChoice {
        guard let weights else { return .none }
        guard ModelZoo.names.contains(target) else { throw ValidationError("--weights goes with a model; '\(target)' is a weight file") }
        return try parseWeights(weights, for: try ModelZoo.spec(target))
    }

    func run() throws {
        try reportingFailure("inspect") {
            guard ModelZoo.names.contains(target) else {
                print(json ? try describeWeightFileJSON(target) : try describeWeightFile(target))
                return
            }
            if let cacheViews, let freeze = try freezePolicy() {
                print(try PrefixCutReport(model: target, freeze: freeze, views: cacheViews, imageSize: imageSize, images: images).description)
                return
            }
            if graph {
                print(try describeGraph(target, precision: precision.precision, freeze: freezePolicy()))
                return
            }
            let choice = try choice()
            let weightStore: WeightStore? = if case .pretrained = choice { try store.store() } else { nil }
            print(json ? try describeModelJSON(target, weights: choice, store: weightStore)
                       : try describeModel(target, weights: choice, store: weightStore))
        }
    }
}
