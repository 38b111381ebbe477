import ArgumentParser
import Foundation
import GraftHub
import GraftTrain

struct WeightsPullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch weight sets into the cache (verified), and print each file's path.",
        discussion: """
        From the cache if already there, else torch hub's cache, else the mirror, else (unless \
        offline) the publisher. Progress goes to standard error: a bar with bytes, rate and time \
        left on a terminal, a line every few seconds otherwise.
        """)

    @Argument(help: "MODEL (its default set) or MODEL.SET.", transform: { try WeightSetReference($0) })
    var names: [WeightSetReference]

    @OptionGroup var store: WeightStoreFlags

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name at least one weight set (graft weights list shows them)") }
    }

    func run() throws {
        try reportingFailure("weights pull") {
            let weightStore = try store.store()
            let display = TransferProgressDisplay()
            for name in names {
                defer { display.end() }
                let file = try weightStore.fetch(name.set, progress: { display.show($0) })
                FileHandle.standardError.write(Data("\(name.qualifiedName): \(file.origin.summary), verified\n".utf8))
                print(file.path)
            }
        }
    }
}
