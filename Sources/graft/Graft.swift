import ArgumentParser
import Foundation

@main
struct GraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graft",
        abstract: "Transfer learning on images: pretrained CNNs, new heads, frozen trunks, fast CPU training.",
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self,
                      AugmentCommand.self, ExportCommand.self, BenchCommand.self, DemoCommand.self]
    )

    /// Parses the command line with `--config FILE` expanded into flags, and runs the command.
    static func main() {
        boundOpenMPSpinning()
        keepFreedMemoryForReuse()
        let arguments: [String]
        do {
            arguments = try ConfigFile.expand(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("graft: \(error)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(arguments)
    }
}
