import ArgumentParser
import Foundation
import GraftIO
import GraftModels
import GraftTrain

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert a weight file, a Graft checkpoint or a zoo model's pretrained weights to a PyTorch checkpoint or safetensors.",
        discussion: """
        The output format follows --out's extension: .pth or .pt writes torch.save's zip format, which \
        torch.load(path, weights_only=True) and load_state_dict(strict=True) accept; .safetensors writes \
        safetensors. A safetensors input's metadata (class names, architecture, …) goes into a \
        safetensors output's header, or, for a PyTorch output, into a JSON file next to it \
        (model.pth → model.json).

        A zoo model's name exports its --weights (default: its default pretrained set, fetched \
        once into the weight cache and verified; see graft weights).

        Examples:
          graft export runs/best.safetensors --out resnet18-pets.pth
          graft export resnet18 --weights imagenet --out resnet18.safetensors
        """)

    @Argument(help: "The weight file (a Graft checkpoint, safetensors, or a PyTorch checkpoint), or a zoo model.")
    var checkpoint: String

    @Option(help: ArgumentHelp("A zoo model's weights: imagenet or a weight set's name, or a weight file (default: its default pretrained set).", valueName: "SET|FILE"))
    var weights: String?

    @OptionGroup var store: WeightStoreFlags

    @Option(help: "The file to write: FILE.pth, FILE.pt or FILE.safetensors.")
    var out: String

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    /// Whether the argument names a zoo model rather than a file.
    private var isArchitecture: Bool { ModelZoo.names.contains(checkpoint) }

    @OptionGroup var onnx: ONNXFlags

    func validate() throws {
        try onnx.register(checkpoint)
        if isArchitecture {
            _ = try parseTrainedWeights(weights, for: try ModelZoo.spec(checkpoint), subject: checkpoint, purpose: "exporting")
        } else {
            guard FileManager.default.fileExists(atPath: checkpoint) else {
                throw ValidationError("'\(checkpoint)' is neither a file nor a known model (\(ModelZoo.names.joined(separator: ", ")))")
            }
            guard weights == nil else { throw ValidationError("--weights goes with a zoo model; '\(checkpoint)' is a weight file") }
        }
        guard WeightFormat.named(by: out) != nil else {
            throw ValidationError("--out '\(out)': unknown extension; use .pth, .pt or .safetensors")
        }
    }

    func run() throws {
        try reportingFailure("export") {
            let export: WeightExport
            if isArchitecture, let spec = try? ModelZoo.spec(checkpoint), spec.includedWeights != nil, weights == nil {
                export = try exportImportedModel(spec, to: out)
            } else {
                let source = try isArchitecture ? store.choose(weights, for: try ModelZoo.spec(checkpoint)).path ?? checkpoint : checkpoint
                export = try exportWeights(from: source, to: out)
            }
            if json {
                print(export.json)
            } else {
                print("\(export.output): \(export.tensors) tensors, \(export.values) values")
                if let metadata = export.metadataFile { print("\(metadata): the checkpoint's metadata") }
            }
        }
    }
}
