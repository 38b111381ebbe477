import Foundation
import GraftCore

/// An exclusive `flock` on a lock file, held from `init` until `release()` (or deinit). Locks
/// belong to open file descriptions, so two holders in one process exclude each other too.
final class FileLock {
    private var fd: Int32

    /// Takes the lock on `path` (created when missing), calling `waiting` once before blocking
    /// when another process holds it.
    init(_ path: String, waiting: () -> Void) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WeightFetchError.writeFailed(path: path, reason: errnoText()) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return }
        guard errno == EWOULDBLOCK || errno == EINTR else {
            let reason = errnoText()
            close(fd)
            throw WeightFetchError.writeFailed(path: path, reason: "flock: " + reason)
        }
        waiting()
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = errnoText()
                close(fd)
                throw WeightFetchError.writeFailed(path: path, reason: "flock: " + reason)
            }
        }
    }

    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
