import Foundation

/// Sizes in bytes as people write them (`500MB`, `2GiB`, `1.5G`, `4096`) and read them.
public enum ByteSize {
    private static let (kibi, mebi, gibi, tebi): (Double, Double, Double, Double) = (0x1p10, 0x1p20, 0x1p30, 0x1p40)
    private static let units: [(suffix: String, factor: Double)] = [
        ("kib", kibi), ("mib", mebi), ("gib", gibi), ("tib", tebi),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
        ("k", kibi), ("m", mebi), ("g", gibi), ("t", tebi), ("b", 1),
    ]

    /// `text` in bytes: a non-negative number (decimals allowed) with an optional unit, KB MB GB
    /// TB in powers of 1000, KiB MiB GiB TiB (or K M G T) in powers of 1024, B or none for
    /// bytes, in any case; nil when it is not such a size or does not fit an `Int`.
    public static func parse(_ text: String) -> Int? {
        let lower = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = units.first { lower.hasSuffix($0.suffix) }
        let number = String(lower.dropLast(unit?.suffix.count ?? 0)).trimmingCharacters(in: .whitespaces)
        guard let value = Double(number), value.isFinite, value >= 0,
              number.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        let bytes = (value * (unit?.factor ?? 1)).rounded()
        guard bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }

    /// `bytes` in binary units with three significant digits: `512 B`, `1.50 KiB`, `12.3 GiB`.
    public static func describe(_ bytes: Int) -> String {
        var value = Double(bytes), unit = 0
        let names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        while value >= 1024 && unit < names.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) B" }
        return String(format: value >= 100 ? "%.0f %@" : value >= 10 ? "%.1f %@" : "%.2f %@", value, names[unit])
    }
}
