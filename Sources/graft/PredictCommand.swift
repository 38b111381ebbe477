import ArgumentParser
import Foundation
import GraftTrain

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images with a zoo model and a weight file.",
        discussion: """
        Each image gets the model's own eval preprocessing (torchvision models: shorter side resized \
        to 256, centre crop 224, ImageNet mean/std; 342/299 for inception_v3). With --json, one JSON \
        object per image: {"path": …, "predictions": [{"index": …, "label": …, "probability": …}], \
        "logits": [...]} ("logits" only with --logits; "label" when the classes have names).

        Example: graft predict --model efficientnet_lite0 --weights .cache/efficientnet-lite0-57934424.pth cat.jpg
        """)

    @Option(help: "Model architecture (\(ModelZoo.names.joined(separator: ", "))).")
    var model: String

    @Option(help: "Weight file: safetensors or a PyTorch checkpoint (.pth, zip or legacy).")
    var weights: String

    @Option(help: "How many classes to show per image.")
    var topk: Int = 5

    @Flag(help: "Print one JSON object per image.")
    var json = false

    @Flag(help: "Include the raw logits in the JSON output.")
    var logits = false

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    func validate() throws {
        guard ModelZoo.names.contains(model) else {
            throw ValidationError("unknown --model '\(model)'; known models: \(ModelZoo.names.joined(separator: ", "))")
        }
        guard topk > 0 else { throw ValidationError("--topk must be at least 1, not \(topk)") }
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard FileManager.default.fileExists(atPath: weights) else { throw ValidationError("--weights '\(weights)' does not exist") }
    }

    func run() throws {
        do {
            let predictor = try Predictor(modelName: model, weightsPath: weights)
            for path in images {
                let p = try predictor.predict(path, topK: topk)
                print(json ? p.jsonLine(includeLogits: logits) : p.table)
            }
        } catch {
            FileHandle.standardError.write(Data("graft predict: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
