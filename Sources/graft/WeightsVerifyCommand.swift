import ArgumentParser
import Foundation
import GraftHub
import GraftTrain

struct WeightsVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash cached weight files against their published SHA-256 (and the lock file's pins).",
        discussion: """
        Prints one line per set: intact, corrupt (with the expected and actual hash) or not \
        cached. Exit status 1 when a file is corrupt or a named set is not cached.
        """)

    @Argument(help: "MODEL or MODEL.SET (default: every cached set).", transform: { try WeightSetReference($0) })
    var names: [WeightSetReference] = []

    @OptionGroup var store: WeightStoreFlags

    func run() throws {
        try reportingFailure("weights verify") {
            let weightStore = try store.store()
            let sets = names.isEmpty ? cachedWeightSets(in: weightStore) : names
            if sets.isEmpty { print("no weight set is cached in \(weightStore.settings.cacheDirectory)") }
            var failures: [String] = []
            for name in sets {
                let path = weightStore.cachePath(for: name.set)
                switch try weightStore.verify(name.set) {
                case .intact:
                    print("\(name.qualifiedName): intact, \(path)")
                case let .corrupt(expected, actual):
                    print("\(name.qualifiedName): corrupt, \(path)")
                    failures.append("\(path) (\(name.qualifiedName)) is corrupt: its SHA-256 is \(actual), expected \(expected); remove it and run graft weights pull \(name.qualifiedName)")
                case .notCached:
                    print("\(name.qualifiedName): not cached")
                    failures.append("\(name.qualifiedName) is not cached; fetch it with: graft weights pull \(name.qualifiedName)")
                }
            }
            guard failures.isEmpty else { throw VerificationFailure(problems: failures) }
        }
    }
}

/// Files that `graft weights verify` found corrupt or missing, one line each.
struct VerificationFailure: Error, CustomStringConvertible {
    let problems: [String]
    var description: String { problems.joined(separator: "\n") }
}
