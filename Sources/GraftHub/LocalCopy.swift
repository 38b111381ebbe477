import Foundation

/// Copies a file on this machine (in a mirror folder, in torch hub's cache) into a partial
/// file, 1 MiB at a time, refusing one larger than the weight file may be.
enum LocalCopy {
    static func copy(_ source: String, into partial: PartialFile, expected: ExpectedFile) throws {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WeightFetchError.unreadable(path: source, reason: errnoText()) }
        defer { close(fd) }
        try partial.truncate()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw WeightFetchError.unreadable(path: source, reason: errnoText()) }
            if n == 0 { return }
            guard partial.size + Int64(n) <= Int64(expected.maximumSize) else {
                throw WeightFetchError.wrongSize(source: source, detail: "larger than the \(expected.maximumSize) bytes allowed for \(expected.fileName)")
            }
            try partial.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Whether `path` is a regular file (a symbolic link to one counts).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
