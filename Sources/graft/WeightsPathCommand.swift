import ArgumentParser
import GraftHub
import GraftTrain

struct WeightsPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Print where a weight set's file is in the cache (an error when it is not there).")

    @Argument(help: "MODEL (its default set) or MODEL.SET.", transform: { try WeightSetReference($0) })
    var name: WeightSetReference

    @OptionGroup var store: WeightStoreFlags

    func run() throws {
        try reportingFailure("weights path") {
            let weightStore = try store.store()
            guard weightStore.isCached(name.set) else {
                throw ValidationError("\(name.qualifiedName) is not in the cache (\(weightStore.settings.cacheDirectory)); fetch it with: graft weights pull \(name.qualifiedName)")
            }
            print(weightStore.cachePath(for: name.set))
        }
    }
}
