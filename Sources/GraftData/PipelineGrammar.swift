import GraftCore

/// The grammar of the pipeline syntax: the text cut into steps, each step into a name and
/// its raw arguments. What a name means and what its arguments may be is the registry's
/// (`TransformRegistry`); the pipeline's order rules are `Pipeline(spec:mean:std:)`'s.
///
/// Grammar (spaces are ignored, names also accept `_` for `-`):
///
///     pipeline := step { "," step }
///     step     := name [ "(" [ argument { "," argument } ] ")" ]
///     argument := [ key "=" ] value          positional arguments fill parameters in order
///     value    := number | range | size | pair | word
///     range    := number "-" number          e.g. 0.08-1, -10-10
///     size     := integer | integer "x" integer   width x height
///     pair     := number | number "x" number      x and y
enum PipelineGrammar {
    /// One step as written: its text, its name (lower case, `_` as `-`) as given, and its
    /// raw arguments.
    struct Step {
        let text: String
        let rawName: String
        let name: String
        let arguments: [String]
    }

    static func error(_ detail: String) -> GraftError { GraftError.invalidArgument(op: "Pipeline spec", detail: detail) }

    /// The steps' texts of `spec`, spaces removed; throws on unbalanced parentheses and on an
    /// empty pipeline.
    static func stepTexts(_ spec: String) throws -> [String] {
        let steps = try split(spec.filter { !$0.isWhitespace }, separator: ",", in: spec)
        guard !(steps.count == 1 && steps[0].isEmpty) else { throw error("empty pipeline") }
        return steps
    }

    /// `text` split at `separator` outside parentheses; throws on unbalanced parentheses.
    static func split(_ text: String, separator: Character, in spec: String) throws -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" {
                depth -= 1
                guard depth >= 0 else { throw error("unbalanced ')' in '\(spec)'") }
            }
            if ch == separator && depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
        }
        guard depth == 0 else { throw error("unclosed '(' in '\(spec)'") }
        parts.append(current)
        return parts
    }

    /// A step's name and raw arguments.
    static func step(_ text: String) throws -> Step {
        guard !text.isEmpty else { throw error("an empty step (two commas in a row, or a trailing comma)") }
        guard let open = text.firstIndex(of: "(") else { return Step(text: text, rawName: text, name: normalizedName(text), arguments: []) }
        guard text.last == ")" else { throw error("'\(text)': text after ')'") }
        let raw = String(text[..<open])
        let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        if inner.isEmpty { return Step(text: text, rawName: raw, name: normalizedName(raw), arguments: []) }
        let arguments = try split(inner, separator: ",", in: text)
        for a in arguments where a.isEmpty { throw error("'\(text)': an empty argument") }
        return Step(text: text, rawName: raw, name: normalizedName(raw), arguments: arguments)
    }

    /// A name as the registry spells it: lower case, `-` for `_`.
    static func normalizedName(_ raw: String) -> String { raw.lowercased().replacingUnderscores }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}
