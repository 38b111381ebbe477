import Foundation
import GraftIO

/// A lock file (`graft.lock`): one `<64 hex digits>  <file name>` line per pinned weight file,
/// as `sha256sum` writes them (so `sha256sum -c graft.lock` checks the cache folder), and
/// `#` comments.
struct LockFile {
    let path: String
    /// SHA-256 by canonical file name.
    var pins: [String: String]

    /// Reads the lock file at `path`; a malformed line throws, naming the file and the line.
    static func read(_ path: String) throws -> LockFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw WeightFetchError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        guard data.count <= 1 << 20 else { throw WeightFetchError.badLockFile(path: path, line: 1, detail: "larger than 1 MiB") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WeightFetchError.badLockFile(path: path, line: 1, detail: "not UTF-8 text")
        }
        var pins: [String: String] = [:]
        // Swift reads "\r\n" as one newline character: CRLF files split as LF ones.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func bad(_ detail: String) -> WeightFetchError { .badLockFile(path: path, line: index + 1, detail: detail) }
            // sha256sum: the digest, a space, then a space (text mode) or '*' (binary mode), then the name.
            let hash = trimmed.prefix(64)
            let rest = trimmed.dropFirst(64)
            guard hash.count == 64, hash.isASCIIHex, rest.hasPrefix(" ") else {
                throw bad("expected '<64 hex digits of SHA-256>  <file name>'")
            }
            let separated = rest.dropFirst()
            let name = String(separated.hasPrefix(" ") || separated.hasPrefix("*") ? separated.dropFirst() : separated)
            guard !name.isEmpty, !name.contains("/") else { throw bad("'\(name)' is not a file name") }
            let digest = hash.lowercased()
            if let earlier = pins[name], earlier != digest { throw bad("\(name) is pinned twice, to different hashes") }
            pins[name] = digest
        }
        return LockFile(path: path, pins: pins)
    }

    /// Writes the pins, sorted by file name, atomically (temporary file, fsync, rename).
    func write() throws {
        var text = "# Graft's lock file: the SHA-256 of each weight file (graft weights lock).\n"
            + "# Check the cache with `sha256sum -c` in the cache folder.\n"
        for name in pins.keys.sorted() { text += "\(pins[name] ?? "")  \(name)\n" }
        do {
            try AtomicFileWriter.write(Array(text.utf8), to: path)
        } catch {
            throw WeightFetchError.writeFailed(path: path, reason: "\(error)")
        }
    }
}
