#if canImport(Glibc)
import Glibc
#endif

/// Makes glibc's malloc keep freed memory for reuse instead of handing it back to the kernel:
/// the data loader allocates batch-sized buffers (a 224² float sample is 600 KB, a batch of 64
/// is 38 MB) on its worker threads and frees them on the consumer's, which with glibc's
/// default, self-adjusting thresholds returns them to the kernel and page-faults them back in,
/// zero-filled, for the next batch (about a tenth of the decode-augment benchmark's time).
/// Blocks up to 64 MiB then come from malloc's heaps, which are not trimmed while less than
/// 512 MiB of them is free.
func keepFreedMemoryForReuse() {
    #if canImport(Glibc)
    // <malloc.h> is not part of Swift's Glibc module: look `mallopt` up by name.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(-3, 64 << 20)  // M_MMAP_THRESHOLD
    _ = mallopt(-1, 512 << 20)  // M_TRIM_THRESHOLD
    #endif
}
