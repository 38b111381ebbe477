/// One parameter of a transform in the pipeline syntax: its name, the form its value takes,
/// its default (as the syntax writes it; nil when the value must be given) and a line of help.
public struct SpecParameter: Sendable {
    /// The form of a parameter's value, and the values it allows.
    public enum Kind: Sendable {
        /// `N` or `WxH`, each side in 1…`Pipeline.maximumSide`.
        case size
        /// An integer in the range.
        case integer(ClosedRange<Int>)
        /// A finite number in the range.
        case number(ClosedRange<Float>)
        /// `low-high` inside the range; one number `v` means `−v...v` when `symmetric` (and must
        /// not be negative), else `v...v`.
        case range(ClosedRange<Float>, symmetric: Bool)
        /// `v` (both) or `XxY`, each in the range.
        case pair(ClosedRange<Float>)
        /// One of the words.
        case choice([String])
        /// An integer in the range, or the word.
        case integerOrWord(ClosedRange<Int>, word: String)
        /// A number, numbers `a/b/c`, or the word.
        case numbersOrWord(String)
    }

    public let name: String
    public let kind: Kind
    /// The value when the step does not give one, spelled as in the syntax; nil: required.
    public let defaultValue: String?
    public let help: String
    /// Whether the value is written without `name=` when the transform is printed back.
    public let writtenBare: Bool

    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, help: String, writtenBare: Bool = false) {
        self.name = name; self.kind = kind; self.defaultValue = defaultValue; self.help = help; self.writtenBare = writtenBare
    }

    /// The parameter as the help text lists it: `name` when required, else `name=default`.
    var usage: String { defaultValue.map { "\(name)=\($0)" } ?? name }
}
