import Foundation

/// A 64-byte aligned buffer that a tensor's data lives in. Views share one storage.
final class Storage {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// Bumped on every write into the buffer from outside oneDNN's ops (optimizer steps,
    /// `assign`, weight loading), so that copies derived from it can tell they are stale.
    var version = 0

    init(byteCount: Int) {
        self.byteCount = byteCount
        var p: UnsafeMutableRawPointer?
        let status = posix_memalign(&p, 64, max(byteCount, 64))
        precondition(status == 0 && p != nil, "out of memory allocating \(byteCount) bytes")
        pointer = p!
    }

    deinit { free(pointer) }
}
