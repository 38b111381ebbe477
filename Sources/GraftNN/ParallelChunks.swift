import Foundation

/// Runs `body` over `0..<count` in contiguous chunks on all cores (inline when `count` is small):
/// optimizer updates are memory-bound passes over millions of parameters.
func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
    let chunk = 1 << 16
    let chunks = (count + chunk - 1) / chunk
    guard chunks > 1 else { return body(0..<count) }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body(c * chunk..<min(count, (c + 1) * chunk))
    }
}
