import ArgumentParser
import Foundation
import GraftIO

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert a weight file or Graft checkpoint to a PyTorch checkpoint or safetensors.",
        discussion: """
        The output format follows --out's extension: .pth or .pt writes torch.save's zip format, which \
        torch.load(path, weights_only=True) and load_state_dict(strict=True) accept; .safetensors writes \
        safetensors. A safetensors input's metadata (class names, architecture, …) goes into a \
        safetensors output's header, or, for a PyTorch output, into a JSON file next to it \
        (model.pth → model.json).

        Example: graft export runs/best.safetensors --out resnet18-pets.pth
        """)

    @Argument(help: "The weight file: a Graft checkpoint, safetensors, or a PyTorch checkpoint.")
    var checkpoint: String

    @Option(help: "The file to write: FILE.pth, FILE.pt or FILE.safetensors.")
    var out: String

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: checkpoint) else { throw ValidationError("'\(checkpoint)' does not exist") }
        guard WeightFormat.named(by: out) != nil else {
            throw ValidationError("--out '\(out)': unknown extension; use .pth, .pt or .safetensors")
        }
    }

    func run() throws {
        try reportingFailure("export") {
            let export = try exportWeights(from: checkpoint, to: out)
            if json {
                print(export.json)
            } else {
                print("\(export.output): \(export.tensors) tensors, \(export.values) values")
                if let metadata = export.metadataFile { print("\(metadata): the checkpoint's metadata") }
            }
        }
    }
}
