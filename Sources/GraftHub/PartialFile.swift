import Foundation
import GraftCore
import GraftIO

/// A weight file being written: `<cache>/<file>.partial`, appended to as bytes arrive, then
/// synced and renamed to its final name once verified. A write error (disk full, `EFBIG`
/// under a file size limit) names the path and errno's text.
final class PartialFile {
    let path: String
    private var fd: Int32
    /// Bytes in the file.
    private(set) var size: Int64

    /// Opens `path`, keeping what an earlier attempt left there when `keep`, else emptying it.
    init(_ path: String, keep: Bool) throws {
        ProcessSignals.ignoreFileSizeSignal()
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (keep ? 0 : O_TRUNC), 0o644)
        guard fd >= 0 else { throw WeightFetchError.writeFailed(path: path, reason: errnoText()) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw WeightFetchError.writeFailed(path: path, reason: "not a regular file")
        }
        size = Int64(info.st_size)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `bytes`.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, fd >= 0 else { return }
        var done = 0
        while done < bytes.count {
            let n = write(fd, base + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw WeightFetchError.writeFailed(path: path, reason: errnoText(n < 0 ? errno : ENOSPC)) }
            done += n
            size += Int64(n)
        }
    }

    /// Empties the file, to start over.
    func truncate() throws {
        guard ftruncate(fd, 0) == 0 else { throw WeightFetchError.writeFailed(path: path, reason: errnoText()) }
        size = 0
    }

    /// Syncs the file, renames it to `finalPath` and syncs the folder.
    func commit(to finalPath: String) throws {
        guard fsync(fd) == 0 else { throw WeightFetchError.writeFailed(path: path, reason: "fsync: " + errnoText()) }
        close(fd)
        fd = -1
        guard rename(path, finalPath) == 0 else { throw WeightFetchError.writeFailed(path: finalPath, reason: errnoText()) }
        syncFolder(of: finalPath)
    }

    /// Closes and deletes the file.
    func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(path)
    }
}
