import ArgumentParser
import GraftModels
import GraftTrain

struct WeightsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the published weight sets: model, set, size, licence, reported accuracy, cached or not.",
        discussion: """
        With --json, one object per set: {"model", "set", "is_default", "file", "bytes", \
        "size_is_exact", "sha256", "full_hash", "licence", "top1", "top5", "classes", "urls" or \
        "package" and "member", "cached" (the cached file's path, when it is cached)}.
        """)

    @Argument(help: "Only this model's sets.", transform: { try ModelZoo.spec($0) })
    var model: ModelSpec?

    @Flag(help: "Add each set's source (URL or Python package) and SHA-256.")
    var urls = false

    @OptionGroup var store: WeightStoreFlags

    @Flag(help: "Print one JSON object per set.")
    var json = false

    func run() throws {
        try reportingFailure("weights list") {
            let entries = try weightSetEntries(model: model?.name, store: try store.store())
            if json {
                entries.forEach { print(jsonObjectLine($0)) }
            } else if entries.isEmpty, let model {
                print("\(model.name) has no published pretrained weights")
            } else {
                print(weightSetTable(entries, sources: urls))
            }
        }
    }
}
