import Foundation

/// Expands `--config FILE` in a command line into the flags the file holds, placed before the
/// command's own flags so that those win. The file is a JSON object or YAML-style `key: value`
/// lines (`#` comments); keys are flag names without dashes (`batch-size` or `batch_size`),
/// `true` turns a switch on, a list is written `[a, b]` or `a,b`.
enum ConfigFile {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func expand(_ arguments: [String]) throws -> [String] {
        guard let i = arguments.firstIndex(where: { $0 == "--config" || $0.hasPrefix("--config=") }) else { return arguments }
        let path: String
        var rest = arguments
        if arguments[i].hasPrefix("--config=") {
            path = String(arguments[i].dropFirst("--config=".count))
            rest.remove(at: i)
        } else {
            guard i + 1 < arguments.count else { throw Failure(description: "--config needs a file") }
            path = arguments[i + 1]
            rest.removeSubrange(i...(i + 1))
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Failure(description: "--config '\(path)': cannot read the file")
        }
        let flags = try flags(from: text, file: path)
        let command = rest.firstIndex { !$0.hasPrefix("-") }.map { $0 + 1 } ?? 0
        return Array(rest[..<command]) + flags + Array(rest[command...])
    }

    /// The flags of a config file's text.
    static func flags(from text: String, file: String) throws -> [String] {
        var pairs: [(String, ConfigValue)] = []
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            guard let object = try? JSONDecoder().decode([String: ConfigValue].self, from: Data(text.utf8)) else {
                throw Failure(description: "--config '\(file)': not a JSON object of flag names to numbers, strings, booleans or lists")
            }
            pairs = object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        } else {
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                guard let colon = line.firstIndex(of: ":") else {
                    throw Failure(description: "--config '\(file)' line \(n + 1): expected `key: value`")
                }
                var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                    value = String(value.dropFirst().dropLast())
                }
                let key = line[..<colon].trimmingCharacters(in: .whitespaces)
                switch value {
                case "true": pairs.append((key, .bool(true)))
                case "false": pairs.append((key, .bool(false)))
                case _ where value.hasPrefix("[") && value.hasSuffix("]"):
                    pairs.append((key, .list(value.dropFirst().dropLast().split(separator: ",")
                        .map { $0.trimmingCharacters(in: .whitespaces) })))
                default: pairs.append((key, .text(value)))
                }
            }
        }
        var flags: [String] = []
        for (key, value) in pairs {
            let flag = "--" + key.replacingOccurrences(of: "_", with: "-")
            switch value {
            case .bool(let on): if on { flags.append(flag) }
            case .text(let s): flags += [flag, s]
            case .list(let items): flags += [flag, items.joined(separator: ",")]
            }
        }
        return flags
    }
}

/// A config file's value: a switch, a scalar written as text, or a list.
enum ConfigValue: Decodable {
    case bool(Bool)
    case text(String)
    case list([String])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .text(String(i)) }
        else if let d = try? c.decode(Double.self) { self = .text(String(d)) }
        else if let s = try? c.decode(String.self) { self = .text(s) }
        else if let l = try? c.decode([ConfigValue].self) {
            self = .list(l.map { if case .text(let s) = $0 { return s }; if case .bool(let b) = $0 { return String(b) }; return "" })
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a number, string, boolean or list")
        }
    }
}
