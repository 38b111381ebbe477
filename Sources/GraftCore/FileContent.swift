/// What a file's first bytes look like, for errors about a file of the wrong kind: a phrase
/// such as "it looks like text" that describes the content without echoing it.
public func describeContent(_ bytes: some Collection<UInt8>) -> String {
    let head = Array(bytes.prefix(512))
    func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
    if head.isEmpty { return "it is empty" }
    if starts([0x89, 0x50, 0x4E, 0x47]) { return "it looks like a PNG image" }
    if starts([0xFF, 0xD8, 0xFF]) { return "it looks like a JPEG image" }
    if starts([0x1F, 0x8B]) { return "it looks like a gzip file" }
    if starts([0x50, 0x4B]) { return "it looks like a zip archive" }
    if starts([0x7F, 0x45, 0x4C, 0x46]) { return "it looks like an executable" }
    // Text: valid UTF-8 (a cut-off last character allowed) without control characters other
    // than tab, newline and carriage return.
    let controls = head.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D || $0 == 0x7F }
    let valid = (0...min(3, head.count - 1)).contains { String(validating: head.dropLast($0), as: UTF8.self) != nil }
    return !controls && valid ? "it looks like text" : "it holds binary data of an unknown kind"
}
