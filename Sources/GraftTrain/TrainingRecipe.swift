import Foundation

/// The options as the recipe recorded in checkpoints and the report: key → value, where the key
/// is the option's name in lower case with dashes (`batch-size`) and the value is written as the
/// command line writes it (enums by their raw value, lists comma-separated, `freeze` as the
/// policy in effect). Options that do not shape the run (`resume`, `workers`, …) are left out.
func recipe(_ options: TransferOptions) -> [String: String] {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    guard let data = try? encoder.encode(options),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    var result: [String: String] = [:]
    for (key, value) in object where !["resume", "resume_with_changes", "overwrite", "stop_after", "workers", "cache_directory", "cache_budget"].contains(key) {
        let name = key.replacingOccurrences(of: "_", with: "-")
        if let array = value as? [Any] {
            result[name] = array.map { "\($0)" }.joined(separator: ",")
        } else {
            result[name] = "\(value)"
        }
    }
    result["freeze"] = options.freezePolicy.description
    return result
}

extension TrainingOption {
    /// The option a recipe key names (`batch-size` → `batchSize`); nil for keys of no option.
    init?(recipeKey: String) {
        let words = recipeKey.split(separator: "-")
        let camel = words.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }
        self.init(rawValue: camel.joined())
    }

    /// The option's recipe key (`batchSize` → `batch-size`).
    var recipeKey: String {
        rawValue.reduce(into: "") { key, c in key += c.isUppercase ? "-" + c.lowercased() : String(c) }
    }
}
