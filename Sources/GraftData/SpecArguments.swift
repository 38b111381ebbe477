import GraftCore

/// One step's arguments bound to its transform's parameters — positional ones fill the
/// parameters in order, `key=value` ones by name — and read back as typed values, each checked
/// against its parameter's kind; a parameter the step leaves out reads its default.
struct SpecArguments {
    let transform: String
    let parameters: [SpecParameter]
    /// The values the step gives, by parameter name, as written.
    private(set) var values: [String: String] = [:]

    init(_ transform: String, _ parameters: [SpecParameter], _ raw: [String]) throws {
        self.transform = transform; self.parameters = parameters
        let names = parameters.map(\.name)
        var position = 0
        for argument in raw {
            let key: String, value: String
            if let equals = argument.firstIndex(of: "=") {
                key = String(argument[..<equals]).replacingUnderscores
                value = String(argument[argument.index(after: equals)...])
                guard names.contains(key) else {
                    throw PipelineGrammar.error("'\(argument)': \(transform) has no parameter '\(key)'; it takes \(names.joined(separator: ", "))")
                }
            } else {
                guard position < names.count else {
                    throw PipelineGrammar.error("'\(argument)': \(transform) takes at most \(names.count) arguments (\(names.joined(separator: ", ")))")
                }
                key = names[position]; value = argument
                position += 1
            }
            guard values[key] == nil else { throw PipelineGrammar.error("'\(argument)': \(transform)'s \(key) is given twice") }
            guard !value.isEmpty else { throw PipelineGrammar.error("'\(argument)': \(transform)'s \(key) has no value") }
            values[key] = value
        }
    }

    func bad(_ key: String, _ text: String, _ expected: String) -> GraftError {
        PipelineGrammar.error("'\(key)=\(text)': \(transform)'s \(key) must be \(expected)")
    }

    /// The parameter `key` and its text (given, else its default); throws when it is required
    /// and not given, or when the entry reads it as another kind than it declares.
    private func lookup(_ key: String) throws -> (kind: SpecParameter.Kind, text: String) {
        guard let parameter = parameters.first(where: { $0.name == key }) else {
            throw PipelineGrammar.error("\(transform) reads an undeclared parameter '\(key)'")
        }
        guard let text = values[key] ?? parameter.defaultValue else { throw PipelineGrammar.error("\(transform) needs its \(key)") }
        return (parameter.kind, text)
    }

    private func mismatch(_ key: String, _ reader: String) -> GraftError {
        PipelineGrammar.error("\(transform)'s \(key) is not declared as \(reader)")
    }

    /// Throws unless `value` lies in `allowed` (and is not NaN).
    private func check<T: Comparable>(_ key: String, _ text: String, _ value: T, in allowed: ClosedRange<T>) throws {
        guard allowed.contains(value) else { throw bad(key, text, "between \(allowed.lowerBound) and \(allowed.upperBound)") }
    }

    /// A `.number` parameter.
    func number(_ key: String) throws -> Float {
        let (kind, v) = try lookup(key)
        guard case let .number(allowed) = kind else { throw mismatch(key, "a number") }
        guard let f = Float(v), f.isFinite else { throw bad(key, v, "a number") }
        try check(key, v, f, in: allowed)
        return f
    }

    /// An `.integer` parameter.
    func integer(_ key: String) throws -> Int {
        let (kind, v) = try lookup(key)
        guard case let .integer(allowed) = kind else { throw mismatch(key, "an integer") }
        guard let i = Int(v) else { throw bad(key, v, "an integer") }
        try check(key, v, i, in: allowed)
        return i
    }

    /// An `.integerOrWord` parameter: nil for the word.
    func integerOrWord(_ key: String) throws -> Int? {
        let (kind, v) = try lookup(key)
        guard case let .integerOrWord(allowed, word) = kind else { throw mismatch(key, "an integer or a word") }
        if v == word { return nil }
        guard let i = Int(v) else { throw bad(key, v, "\(word) or an integer") }
        try check(key, v, i, in: allowed)
        return i
    }

    /// A `.choice` parameter.
    func choice(_ key: String) throws -> String {
        let (kind, v) = try lookup(key)
        guard case let .choice(words) = kind else { throw mismatch(key, "a choice") }
        guard words.contains(v) else {
            throw bad(key, v, words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1])
        }
        return v
    }

    /// A `.numbersOrWord` parameter: nil for the word, else the numbers `a/b/c`.
    func numbersOrWord(_ key: String) throws -> [Float]? {
        let (kind, v) = try lookup(key)
        guard case let .numbersOrWord(word) = kind else { throw mismatch(key, "numbers or a word") }
        if v == word { return nil }
        let parts = v.split(separator: "/", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Float(String($0)) }.filter(\.isFinite)
        guard numbers.count == parts.count else { throw bad(key, v, "a number, numbers a/b/c, or \(word)") }
        return numbers
    }

    /// A `.range` parameter.
    func range(_ key: String) throws -> ClosedRange<Float> {
        let (kind, v) = try lookup(key)
        guard case let .range(allowed, symmetric) = kind else { throw mismatch(key, "a range") }
        let parsed: ClosedRange<Float>
        if let f = Float(v), f.isFinite {
            if symmetric { guard f >= 0 else { throw bad(key, v, "a non-negative number or a range low-high") } }
            parsed = symmetric ? -f...f : f...f
        } else {
            let chars = Array(v)
            let ranges = (1..<max(chars.count, 1)).lazy.filter { chars[$0] == "-" && (chars[$0 - 1].isNumber || chars[$0 - 1] == ".") }
                .compactMap { i -> ClosedRange<Float>? in
                    guard let lo = Float(String(chars[..<i])), let hi = Float(String(chars[(i + 1)...])),
                          lo.isFinite, hi.isFinite, lo <= hi else { return nil }
                    return lo...hi
                }
            guard let first = ranges.first else { throw bad(key, v, "a range low-high with low ≤ high") }
            parsed = first
        }
        guard allowed.contains(parsed.lowerBound), allowed.contains(parsed.upperBound) else {
            throw bad(key, v, "within \(allowed.lowerBound)…\(allowed.upperBound)")
        }
        return parsed
    }

    /// A `.size` parameter: `N` (square) or `WxH`, each side in 1…`Pipeline.maximumSide`.
    func size(_ key: String) throws -> (width: Int, height: Int, square: Bool) {
        let (kind, v) = try lookup(key)
        guard case .size = kind else { throw mismatch(key, "a size") }
        let sides = 1...Pipeline.maximumSide
        if let n = Int(v) {
            try check(key, v, n, in: sides)
            return (n, n, true)
        }
        let parts = v.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else { throw bad(key, v, "N or WxH") }
        guard sides.contains(w), sides.contains(h) else { throw bad(key, v, "N or WxH with sides between 1 and \(Pipeline.maximumSide)") }
        return (w, h, false)
    }

    /// A `.pair` parameter: `v` (both) or `XxY`.
    func pair(_ key: String) throws -> (x: Float, y: Float) {
        let (kind, v) = try lookup(key)
        guard case let .pair(allowed) = kind else { throw mismatch(key, "a pair") }
        let parts = v.split(separator: "x", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Float(String($0)) }
        guard numbers.count == parts.count, parts.count == 1 || parts.count == 2 else { throw bad(key, v, "a number or XxY") }
        guard numbers.allSatisfy(allowed.contains) else { throw bad(key, v, "a number or XxY, each between \(allowed.lowerBound) and \(allowed.upperBound)") }
        return (numbers[0], numbers[parts.count - 1])
    }
}
