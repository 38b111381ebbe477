import ArgumentParser

@main
struct GraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graft",
        abstract: "Transfer learning on images: pretrained CNNs, new heads, frozen trunks, fast CPU training.",
        subcommands: [TrainCommand.self, PredictCommand.self, InspectCommand.self, AugmentCommand.self, BenchCommand.self]
    )

    static func main() {
        keepFreedMemoryForReuse()
        main(nil)
    }
}
