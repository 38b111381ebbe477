import Foundation

/// Copies a file on this machine (in a mirror folder, in torch hub's cache) into a partial
/// file, 1 MiB at a time, refusing one larger than the weight file may be.
enum LocalCopy {
    static func copy(_ source: String, into partial: PartialFile, expected: ExpectedFile) throws {
        try partial.truncate()
        try forEachChunk(ofFile: source) { chunk in
            guard partial.size + Int64(chunk.count) <= Int64(expected.maximumSize) else {
                throw WeightFetchError.wrongSize(source: source, detail: "larger than the \(expected.maximumSize) bytes allowed for \(expected.fileName)")
            }
            try partial.append(chunk)
        }
    }

    /// Whether `path` is a regular file (a symbolic link to one counts).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
