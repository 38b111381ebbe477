/// How many terminal columns `text` takes: East Asian wide and fullwidth characters and emoji
/// take two, combining marks and other zero-width characters none, the rest one (as `wcwidth`
/// counts, per grapheme cluster).
public func displayWidth(_ text: String) -> Int {
    text.reduce(0) { $0 + columns(of: $1) }
}

/// `text` followed by spaces up to `width` columns (unchanged when it is as wide already).
public func padded(_ text: String, toWidth width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - displayWidth(text)))
}

/// The columns of one grapheme cluster: its first scalar's, or two for an emoji presentation.
private func columns(of character: Character) -> Int {
    let scalars = character.unicodeScalars
    guard let first = scalars.first else { return 0 }
    if scalars.contains(where: { $0.properties.isEmojiPresentation })
        || (first.properties.isEmoji && scalars.contains("\u{FE0F}")) {
        return 2
    }
    switch first.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format, .control: return 0
    default: break
    }
    return wideRanges.contains { $0.contains(first.value) } ? 2 : 1
}

/// Unicode's East Asian Wide (W) and Fullwidth (F) blocks.
private let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
    0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
    0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
]
