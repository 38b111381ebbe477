import Foundation

/// A 64-byte aligned buffer that a tensor's data lives in. Views share one storage. Large
/// buffers come from `MemoryPool`, small ones from malloc.
final class Storage {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// Bumped on every write into the buffer from outside oneDNN's ops (optimizer steps,
    /// `assign`, weight loading), so that copies derived from it can tell they are stale.
    var version = 0

    init(byteCount: Int) {
        self.byteCount = byteCount
        if byteCount >= MemoryPool.threshold {
            pointer = MemoryPool.shared.allocate(byteCount)
            return
        }
        var p: UnsafeMutableRawPointer?
        let status = posix_memalign(&p, 64, max(byteCount, 64))
        precondition(status == 0 && p != nil, "out of memory allocating \(byteCount) bytes")
        pointer = p!
    }

    deinit {
        if byteCount >= MemoryPool.threshold {
            MemoryPool.shared.release(pointer, byteCount: byteCount)
        } else {
            free(pointer)
        }
    }
}
