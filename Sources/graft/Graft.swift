import ArgumentParser
import Foundation

@main
struct GraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graft",
        abstract: "Transfer learning on images: pretrained CNNs, new heads, frozen trunks, fast CPU training.",
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, InspectCommand.self,
                      AugmentCommand.self, ExportCommand.self, BenchCommand.self, DemoCommand.self, WeightsCommand.self]
    )

    /// Parses the command line with `--config FILE` expanded into flags and negative numbers
    /// attached to their options, and runs the command. A bad flag that came from the config
    /// file is reported with the file and line that set it.
    static func main() {
        boundOpenMPSpinning()
        keepFreedMemoryForReuse()
        let arguments: [String]
        do {
            arguments = attachingNegativeNumbers(try ConfigFile.expand(Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("graft: \(error)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let origins = code == .validationFailure ? ConfigFile.origins(of: message(for: error)) : ""
            guard !origins.isEmpty else { exit(withError: error) }
            FileHandle.standardError.write(Data("Error: \(message(for: error))\(origins)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
