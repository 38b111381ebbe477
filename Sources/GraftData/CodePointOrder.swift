extension String {
    /// Whether `self` sorts before `other` as Python sorts `str`: by Unicode code points,
    /// without normalisation (Swift's `<` compares canonically equivalent forms as equal).
    func precedesInCodePointOrder(_ other: String) -> Bool {
        unicodeScalars.lexicographicallyPrecedes(other.unicodeScalars)
    }
}

extension Array where Element == String {
    /// The strings in Python's `sorted` order (code points).
    func sortedByCodePoints() -> [String] { sorted { $0.precedesInCodePointOrder($1) } }
}
