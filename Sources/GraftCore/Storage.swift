import Foundation

/// A 64-byte aligned buffer that a tensor's data lives in. Views share one storage.
final class Storage {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        var p: UnsafeMutableRawPointer?
        let status = posix_memalign(&p, 64, max(byteCount, 64))
        precondition(status == 0 && p != nil, "out of memory allocating \(byteCount) bytes")
        pointer = p!
    }

    deinit { free(pointer) }
}
