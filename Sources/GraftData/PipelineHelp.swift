/// The help text of the pipeline syntax, written from the registry: the grammar, then every
/// transform of `TransformRegistry.entries` with its parameters, defaults and help.
extension Pipeline {
    /// The help text for the pipeline syntax: grammar and every transform with its parameters.
    public static let specHelp: String = {
        var lines = [
            "Pipeline syntax: steps separated by commas, each `name` or `name(arguments)`.",
            "Arguments are positional (in the order listed) or `key=value`. A range is",
            "`low-high` (0.08-1, -10-10); a size is `N` (square, or the shorter side for",
            "resize) or `WxH`; a pair is `v` or `XxY`. Steps before `normalize` act on the",
            "8-bit image, steps after it on the normalised sample; `normalize` (ToTensor +",
            "Normalize with the model's mean/std) is implied after the last image step.",
            "Example: random-resized-crop(224, scale=0.08-1), hflip,",
            "         color-jitter(0.4, 0.4, 0.4), pca-lighting(0.1), normalize",
            "",
            "Image steps:",
        ]
        let entries = TransformRegistry.entries
        for entry in entries where entry.stage == .image { lines += helpLines(entry) }
        lines += ["The normalisation step:", "  normalize", "      (v / 255 − mean) / std per channel", "Sample steps (after normalize):"]
        for entry in entries where entry.stage == .sample { lines += helpLines(entry) }
        return lines.joined(separator: "\n")
    }()

    /// The step names the syntax knows: the image transforms, `normalize`, the sample
    /// transforms.
    public static let specNames: [String] = {
        let entries = TransformRegistry.entries
        return entries.filter { $0.stage == .image }.map(\.name) + ["normalize"] + entries.filter { $0.stage == .sample }.map(\.name)
    }()

    /// One entry's lines: its usage, its summary, one line per parameter.
    static func helpLines(_ entry: TransformEntry) -> [String] {
        let width = entry.parameters.map(\.name.count).max() ?? 0
        return ["  \(entry.usage)", "      \(entry.summary)"] + entry.parameters.map { p in
            var help = p.help
            if case let .choice(words) = p.kind { help += " (\(words.joined(separator: " | ")))" }
            return "      \(p.name)\(String(repeating: " ", count: width - p.name.count))  \(help)"
        }
    }
}
