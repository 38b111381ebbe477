import ArgumentParser
import Foundation
import GraftCore
import GraftModels
import GraftTrain

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images with a Graft checkpoint, or a zoo model and its pretrained weights.",
        discussion: """
        --model names either a checkpoint written by graft train (it carries the architecture, the \
        head, the class names and the preprocessing: no --weights) or a zoo architecture, which then \
        loads --weights: its default pretrained set unless told otherwise (fetched once into the \
        weight cache and verified; see graft weights), another set by name, or a weight file. \
        Folders are walked for JPEG and PNG files (sorted; hidden files skipped; files of other \
        image formats left out, with a note). Each image gets the weights' own eval preprocessing: \
        a weight set's (resnet50's IMAGENET1K_V2: shorter side to 232, centre crop 224, ImageNet \
        mean/std), for a weight file that of the model's default set, a checkpoint's own. With --json, one JSON \
        object per image: {"path": …, "predictions": [{"index": …, "label": …, "probability": …}], \
        "logits": [...]} ("logits" only with --logits; "label" when the classes have names). With \
        --skip-bad an image that fails to decode gets {"path": …, "error": …} instead (a line on standard \
        error without --json), and their count ends standard error.

        Examples:
          graft predict --model run/best.safetensors photo.jpg holiday/
          graft predict --model efficientnet_lite0 cat.jpg
          graft predict --model resnet50 --weights IMAGENET1K_V1 cat.jpg
          graft predict --model efficientnet_lite0 --weights efficientnet-lite0-57934424.pth cat.jpg
        """)

    @Option(help: "A Graft checkpoint (.safetensors from graft train), or a model architecture (\(ModelZoo.names.joined(separator: ", "))).")
    var model: String

    @Option(help: ArgumentHelp("An architecture's weights: imagenet or a weight set's name, or a weight file (safetensors or PyTorch .pth) (default: its default pretrained set).", valueName: "SET|FILE"))
    var weights: String?

    @OptionGroup var store: WeightStoreFlags

    @Option(help: "How many classes to show per image.")
    var topk: Int = 5

    @OptionGroup var compute: PrecisionOption
    @Flag(help: "Print one JSON object per image.")
    var json = false

    @Flag(help: "Include the raw logits in the JSON output.")
    var logits = false

    @Flag(name: .customLong("skip-bad"), help: "Go on past images that fail to decode (each is reported, then their count).")
    var skipBad = false

    @Argument(help: "Image files (JPEG or PNG) or folders of them.")
    var images: [String]

    /// Whether --model names an architecture rather than a checkpoint file.
    private var isArchitecture: Bool { ModelZoo.names.contains(model) }

    @OptionGroup var onnx: ONNXFlags

    func validate() throws {
        try onnx.register(model)
        if isArchitecture {
            _ = try parseTrainedWeights(weights, for: try ModelZoo.spec(model), subject: "--model \(model)", purpose: "predicting")
        } else {
            guard FileManager.default.fileExists(atPath: model) else {
                throw ValidationError("--model '\(model)' is neither a checkpoint file nor a known model; known models: \(ModelZoo.names.joined(separator: ", "))")
            }
            guard weights == nil else {
                throw ValidationError("--weights is not used with a checkpoint: '\(model)' carries its own weights")
            }
        }
        guard topk > 0 else { throw ValidationError("--topk must be at least 1, not \(topk)") }
        guard !images.isEmpty else { throw ValidationError("give at least one image or folder") }
    }

    func run() throws {
        try reportingFailure("predict") {
            try Engine.shared.setPrecision(compute.precision)
            let predictor = try isArchitecture ? Predictor(weights: try store.choose(weights, for: try ModelZoo.spec(model)))
                                               : Predictor(checkpoint: model)
            var unsupported: [String] = []
            let paths = try imagePaths(images) { unsupported.append($0) }
            if !unsupported.isEmpty {
                let listed = unsupported.prefix(5).joined(separator: ", ") + (unsupported.count > 5 ? ", …" : "")
                FileHandle.standardError.write(Data("graft predict: left out \(unsupported.count) image files of formats Graft does not decode (it reads JPEG and PNG): \(listed)\n".utf8))
            }
            if compute.precision == .int8, predictor.activationRanges == nil {
                try calibrate(predictor, on: paths)
            }
            var skipped = 0
            for path in paths {
                let input: Tensor
                do {
                    input = try predictor.preprocess(path)
                } catch where skipBad {
                    skipped += 1
                    if json {
                        print(jsonObjectLine(["path": path, "error": userMessage(error)]))
                    } else {
                        FileHandle.standardError.write(Data("graft predict: skipped \(userMessage(error))\n".utf8))
                    }
                    continue
                }
                let p = try predictor.predict(input: input, path: path, topK: topk)
                print(json ? p.jsonLine(includeLogits: logits) : p.table)
            }
            if skipped > 0 {
                FileHandle.standardError.write(Data("graft predict: skipped \(skipped) image\(skipped == 1 ? "" : "s") that failed to decode (--skip-bad)\n".utf8))
            }
        }
    }

    /// Calibrates int8 prediction on the first --calibration-batches images that decode, saying so.
    private func calibrate(_ predictor: Predictor, on paths: [String]) throws {
        var inputs: [Tensor] = []
        for path in paths where inputs.count < compute.calibrationBatches {
            do { inputs.append(try predictor.preprocess(path)) } catch where skipBad { continue }
        }
        guard !inputs.isEmpty else { throw ValidationError("--precision int8: no image decoded to calibrate the activation ranges with") }
        FileHandle.standardError.write(Data("graft predict: --precision int8 calibrates its activation ranges on the first \(inputs.count) image\(inputs.count == 1 ? "" : "s") (the model carries none; --calibration-batches)\n".utf8))
        try predictor.calibrate(inputs)
    }
}
