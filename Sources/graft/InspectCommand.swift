import ArgumentParser
import Foundation
import GraftModels
import GraftTrain

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a zoo model's layers, or a weight file's tensors and the zoo models it fits.",
        discussion: """
        For a model: each layer with its output shape, parameters and FLOPs per image. For a file \
        (safetensors or PyTorch .pth): each tensor's name, dtype and shape, and the zoo models it fits.

        Examples:
          graft inspect resnet18
          graft inspect .cache/efficientnet-lite0-57934424.pth
          graft inspect run/best.safetensors --json
        """)

    @Argument(help: "A model name (\(ModelZoo.names.joined(separator: ", "))) or a weight file.")
    var target: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard ModelZoo.names.contains(target) || FileManager.default.fileExists(atPath: target) else {
            throw ValidationError("'\(target)' is neither a file nor a known model (\(ModelZoo.names.joined(separator: ", ")))")
        }
    }

    func run() throws {
        try reportingFailure("inspect") {
            let isModel = ModelZoo.names.contains(target)
            if json {
                print(isModel ? try describeModelJSON(target) : try describeWeightFileJSON(target))
            } else {
                print(isModel ? try describeModel(target) : try describeWeightFile(target))
            }
        }
    }
}
