import ArgumentParser
import GraftHub
import GraftTrain

struct WeightsLockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Write a lock file pinning the full SHA-256 of weight files; later fetches must match it.",
        discussion: """
        Pins the named sets (fetching those not cached) or every cached set, keeping the pins the \
        file already holds for other files. Fetches in a folder with graft.lock, or with --lock \
        FILE, are checked against it.

        Example: graft weights lock graft.lock efficientnet_lite0 resnet50
        """)

    @Argument(help: "The lock file to write (graft.lock: used by every command run in its folder).")
    var file: String

    @Argument(help: "MODEL or MODEL.SET (default: every cached set).", transform: { try WeightSetReference($0) })
    var names: [WeightSetReference] = []

    @OptionGroup var store: WeightStoreFlags

    func run() throws {
        try reportingFailure("weights lock") {
            let weightStore = try store.store()
            let sets = names.isEmpty ? cachedWeightSets(in: weightStore) : names
            guard !sets.isEmpty else {
                throw ValidationError("nothing to pin: no weight set is cached in \(weightStore.settings.cacheDirectory); name the sets (graft weights lock \(file) MODEL …)")
            }
            try weightStore.writeLock(sets.map(\.set), to: file)
            print("\(file): pinned \(sets.count) file\(sets.count == 1 ? "" : "s") (\(sets.map(\.qualifiedName).joined(separator: ", ")))")
        }
    }
}
