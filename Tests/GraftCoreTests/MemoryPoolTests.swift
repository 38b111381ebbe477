import XCTest
@testable import GraftCore

final class MemoryPoolTests: XCTestCase {
    private let page = 4096

    /// A freed buffer is handed out again for the same size, without a new mapping.
    func testSameSizeIsReused() {
        let pool = MemoryPool(floorBytes: 0)
        let a = pool.allocate(300 * page)
        pool.release(a, byteCount: 300 * page)
        XCTAssertEqual(pool.allocate(300 * page - 5), a, "sizes round up to pages")
    }

    /// Rounding to pages is overflow-checked: a size near `Int.max` has no rounding (it
    /// trapped on overflow).
    func testRoundingToPagesNeverOverflows() {
        XCTAssertEqual(MemoryPool.rounded(1), page)
        XCTAssertEqual(MemoryPool.rounded(page), page)
        XCTAssertEqual(MemoryPool.rounded(Int.max - page), Int.max - (page - 1))
        XCTAssertNil(MemoryPool.rounded(Int.max))
        XCTAssertNil(MemoryPool.rounded(Int.max - 4094))
    }

    /// A size whose buffers are all in use is no candidate for giving back, even when it was
    /// asked for least recently (it once crashed the eviction).
    func testEvictionSkipsSizesInUse() {
        let pool = MemoryPool(floorBytes: 0)
        let k = pool.allocate(page)
        pool.release(k, byteCount: page)
        XCTAssertEqual(pool.allocate(page), k)                 // all of size 1 in use now
        let b = pool.allocate(10 * page)
        pool.release(b, byteCount: 10 * page)
        let c = pool.allocate(20 * page)                        // live peak: 21 pages
        pool.release(c, byteCount: 20 * page)                   // kept: 30 pages
        _ = pool.allocate(5 * page)                             // a new size: kept > peak, evict
        XCTAssertLessThanOrEqual(pool.keptByteCount, 21 * page)
        pool.release(k, byteCount: page)
    }

    /// Random allocations and releases of a few sizes: never two live owners of one buffer,
    /// every buffer writable over its whole size, and what is kept stays within the live peak
    /// (the floor here is zero) after every new mapping.
    func testRandomTrafficKeepsItsBounds() {
        let pool = MemoryPool(floorBytes: 0)
        var generator = RandomGenerator(seed: 7)
        let sizes = [64, 65, 100, 300].map { $0 * page }
        var live: [(UnsafeMutableRawPointer, Int)] = []
        var peak = 0
        for _ in 0..<5000 {
            if live.isEmpty || generator.uniform(0, 1) < 0.5 {
                let size = sizes[Int(generator.uniform(0, Float(sizes.count))) % sizes.count]
                let p = pool.allocate(size)
                XCTAssertFalse(live.contains { $0.0 == p }, "a live buffer handed out twice")
                p.storeBytes(of: 1, toByteOffset: size - 1, as: UInt8.self)
                live.append((p, size))
                peak = max(peak, live.reduce(0) { $0 + $1.1 })
            } else {
                let i = Int(generator.uniform(0, Float(live.count))) % live.count
                pool.release(live[i].0, byteCount: live[i].1)
                live.remove(at: i)
            }
            XCTAssertLessThanOrEqual(pool.keptByteCount, 2 * peak)
        }
        for (p, size) in live { pool.release(p, byteCount: size) }
    }
}
