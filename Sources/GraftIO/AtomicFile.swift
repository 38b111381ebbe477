import Foundation
import GraftCore

/// Writes a file atomically: the bytes go to a temporary file in the same directory, which
/// is flushed to disk (`fsync`) and then renamed over `path`, so that readers see either
/// the old file or the complete new one, never a partial write.
public final class AtomicFileWriter {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let bufferLimit = 1 << 20

    /// Opens a temporary file beside `path`; nothing appears at `path` until `commit()`.
    public init(_ path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WeightFileError.unwritable(file: path, reason: errnoText()) }
    }

    deinit {
        if fd >= 0 {   // never committed: abandon the temporary file
            close(fd)
            unlink(temporaryPath)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > AtomicFileWriter.bufferLimit { try flush() }
        if bytes.count >= AtomicFileWriter.bufferLimit {
            try writeOut(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    private func flush() throws {
        try buffer.withUnsafeBytes { try writeOut($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw WeightFileError.unwritable(file: path, reason: errnoText()) }
            done += n
        }
    }

    /// Flushes, syncs and renames the temporary file over `path`, then syncs the directory.
    public func commit() throws {
        try flush()
        guard fsync(fd) == 0 else { throw WeightFileError.unwritable(file: path, reason: "fsync: " + errnoText()) }
        let closed = close(fd)
        fd = -1
        guard closed == 0, rename(temporaryPath, path) == 0 else {
            let reason = errnoText()
            unlink(temporaryPath)
            throw WeightFileError.unwritable(file: path, reason: reason)
        }
        syncFolder(of: path)
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let writer = try AtomicFileWriter(path)
        try writer.write(bytes)
        try writer.commit()
    }
}

/// Syncs the folder holding `path`, so that a rename into it survives a crash.
public func syncFolder(of path: String) {
    let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folder >= 0 else { return }
    fsync(folder)
    close(folder)
}
