import Foundation

/// Expands `--config FILE` in a command line into the flags the file holds, placed before the
/// command's own flags so that those win. The file is a JSON object or YAML-style `key: value`
/// lines (`#` comments); keys are flag names without dashes (`batch-size` or `batch_size`),
/// `true` turns a switch on, a list is written `[a, b]` or `a,b`.
enum ConfigFile {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// One key of a config file: its flag, the words that follow it and the line that set it.
    struct Entry {
        var flag: String
        var values: [String]
        var line: Int
    }

    /// Where each flag that `expand` took from a config file was set (`--epochs` →
    /// `run.yaml line 3`), for error messages; flags the command line gives too are left out.
    private(set) static var setBy: [String: String] = [:]

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
        let entries = try entries(from: text, file: path)
        let given = Set(rest.map { String($0.prefix { $0 != "=" }) })
        for e in entries where !given.contains(e.flag) { setBy[e.flag] = "\(path) line \(e.line)" }
        let command = rest.firstIndex { !$0.hasPrefix("-") }.map { $0 + 1 } ?? 0
        return Array(rest[..<command]) + entries.flatMap { [$0.flag] + $0.values } + Array(rest[command...])
    }

    /// ` (--epochs is set by --config run.yaml line 3)` for the flags from a config file that
    /// `message` names, in the order it names them; empty when it names none.
    static func origins(of message: String) -> String {
        guard !setBy.isEmpty else { return "" }
        var named: [String] = []
        for word in message.components(separatedBy: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-").inverted)
        where word.hasPrefix("--") && !named.contains(word) {
            named.append(word)
        }
        let notes = named.compactMap { flag in setBy[flag].map { "\(flag) is set by --config \($0)" } }
        return notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
    }

    /// The flags of a config file's text, with the lines that set them.
    static func entries(from text: String, file: String) throws -> [Entry] {
        var pairs: [(key: String, value: ConfigValue, line: Int)] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            let object: [String: ConfigValue]
            do {
                object = try JSONDecoder().decode([String: ConfigValue].self, from: Data(text.utf8))
            } catch {
                throw Failure(description: "--config '\(file)': not a JSON object of flag names to numbers, strings, booleans or lists")
            }
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                let line = lines.firstIndex { $0.contains("\"\(key)\"") }.map { $0 + 1 } ?? 1
                pairs.append((key, value, line))
            }
        } else {
            for (n, raw) in lines.enumerated() {
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
                case "true": pairs.append((key, .bool(true), n + 1))
                case "false": pairs.append((key, .bool(false), n + 1))
                case _ where value.hasPrefix("[") && value.hasSuffix("]"):
                    pairs.append((key, .list(value.dropFirst().dropLast().split(separator: ",")
                        .map { $0.trimmingCharacters(in: .whitespaces) }), n + 1))
                default: pairs.append((key, .text(value), n + 1))
                }
            }
        }
        return pairs.compactMap { key, value, line in
            let flag = "--" + key.replacingOccurrences(of: "_", with: "-")
            switch value {
            case .bool(let on): return on ? Entry(flag: flag, values: [], line: line) : nil
            case .text(let s): return Entry(flag: flag, values: [s], line: line)
            case .list(let items): return Entry(flag: flag, values: [items.joined(separator: ",")], line: line)
            }
        }
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
