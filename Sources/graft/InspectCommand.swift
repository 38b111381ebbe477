import ArgumentParser
import GraftTrain

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a zoo model's layers (output shapes, parameters, FLOPs per image).")

    @Argument(help: "A model name (\(TrainOptions.knownModels.joined(separator: ", "))).")
    var target: String

    func validate() throws {
        guard TrainOptions.knownModels.contains(target) else {
            throw ValidationError("unknown model '\(target)'; known models: \(TrainOptions.knownModels.joined(separator: ", "))")
        }
    }

    func run() throws {
        print(try describeModel(target))
    }
}
