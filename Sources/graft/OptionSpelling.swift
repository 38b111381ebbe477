import GraftTrain

/// How the command line spells the library's option names: the one table from a
/// `TrainingOption` (and the few options of other commands the library's messages mention)
/// to its flag.
enum OptionSpelling {
    /// Options whose flag is not their name in lower case with dashes.
    static let exceptions: [String: String] = [
        TrainingOption.learningRate.rawValue: "--lr",
        TrainingOption.featureCache.rawValue: "--no-cache",
        TrainingOption.cacheDirectory.rawValue: "--cache-dir",
    ]
    /// Options of other commands that library messages name.
    static let otherOptions = ["tta", "compare"]

    /// The flag of the option named `name` (`imageSize` → `--image-size`).
    static func flag(_ name: String) -> String {
        exceptions[name] ?? "--" + name.reduce(into: "") { s, c in s += c.isUppercase ? "-" + c.lowercased() : String(c) }
    }

    /// The flag of `option`.
    static func flag(_ option: TrainingOption) -> String { flag(option.rawValue) }

    /// `text` with every option name in backquotes (`` `imageSize` ``) replaced by its flag.
    static func spell(_ text: String) -> String {
        var result = text
        for name in TrainingOption.allCases.map(\.rawValue) + otherOptions {
            result = result.replacingOccurrences(of: "`\(name)`", with: flag(name))
        }
        return result
    }

    /// The message of a training option error: the option's flag, then the problem.
    static func message(_ error: TrainingOptionError) -> String {
        spell("\(flag(error.option)) \(error.problem)")
    }
}
