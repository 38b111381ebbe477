import Foundation

/// Where tensors' large buffers come from: pages mapped from the kernel once and, when a
/// tensor dies, kept for the next tensor of the same size.
///
/// A training or inference step allocates the same sizes in the same order every time, so
/// after the first step every large buffer is a reused one: no page faults, no kernel zeroing
/// pages, and no heap fragmentation (freed activations in the malloc heap could not be
/// reused by differently sized gradients, and the heap grew to twice the live set). The pool
/// keeps at most as much as the peak of live large buffers so far, or `floorBytes` if that is
/// more (a small model's step needs one buffer of each of its many sizes, more than its live
/// peak); beyond that, the kept buffers of the sizes asked for least recently go back to the
/// kernel.
final class MemoryPool {
    static let shared = MemoryPool()

    /// Buffers at least this large come from the pool; smaller ones from malloc.
    static let threshold = 256 << 10
    /// Kept buffers may always add up to this much.
    let floorBytes: Int

    private let lock = NSLock()
    private var kept: [Int: [UnsafeMutableRawPointer]] = [:]
    private var keptBytes = 0
    private var liveBytes = 0
    private var peakLiveBytes = 0
    /// When each size was last asked for (a count of allocations).
    private var lastAsked: [Int: Int] = [:]
    private var allocations = 0

    init(floorBytes: Int = 1 << 30) { self.floorBytes = floorBytes }

    /// Bytes of kept (free, mapped) buffers.
    var keptByteCount: Int { lock.lock(); defer { lock.unlock() }; return keptBytes }

    /// A page-aligned buffer of at least `byteCount` bytes (`byteCount` ≥ `threshold`).
    ///
    /// Tensors cannot fail to be created, so a request the kernel refuses (or one too large
    /// to round to a page) ends the process with a message naming the size. Input cannot
    /// reach that: every size from a flag, a file or checkpoint metadata is bounded where it
    /// enters (`Preprocessing.maximumInputSize`, `HeadConfig.maximumHiddenWidth`, …).
    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        guard let size = MemoryPool.rounded(byteCount) else {
            fatalError("out of memory: a tensor of \(byteCount) bytes is larger than memory can hold")
        }
        lock.lock()
        defer { lock.unlock() }
        allocations += 1
        lastAsked[size] = allocations
        liveBytes += size
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        if let p = kept[size]?.popLast() {
            // A size with nothing kept has no entry: eviction only sees sizes it can give back.
            if kept[size]!.isEmpty { kept[size] = nil }
            keptBytes -= size
            return p
        }
        while keptBytes > max(peakLiveBytes, floorBytes), let stale = kept.keys.min(by: { lastAsked[$0, default: 0] < lastAsked[$1, default: 0] }) {
            munmap(kept[stale]!.removeLast(), stale)
            if kept[stale]!.isEmpty { kept[stale] = nil }
            keptBytes -= stale
        }
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            fatalError("out of memory: cannot map \(size) bytes for a tensor")
        }
        return p
    }

    /// Takes back a buffer `allocate(byteCount)` returned.
    func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        // `allocate` gave out this buffer, so its size rounds.
        let size = MemoryPool.rounded(byteCount) ?? byteCount
        lock.lock()
        liveBytes -= size
        keptBytes += size
        kept[size, default: []].append(p)
        lock.unlock()
    }

    /// `n` rounded up to whole 4 KiB pages; nil when that overflows.
    static func rounded(_ n: Int) -> Int? {
        let (sum, overflow) = n.addingReportingOverflow(4095)
        return overflow ? nil : sum & ~4095
    }
}
