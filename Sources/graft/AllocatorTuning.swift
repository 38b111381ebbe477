#if canImport(Glibc)
import Glibc
#endif

/// Makes glibc's malloc keep freed memory for reuse instead of handing it back to the kernel.
/// Large blocks normally come from mmap and go back to the kernel when freed, so every model
/// step and every loader batch would page-fault its buffers in again, zero-filled. With mmap
/// off (`M_MMAP_MAX` 0) every block comes from malloc's heaps, and with trimming off (a step
/// frees all its activations at once) the heaps keep the peak: what PyTorch's tuned runs do
/// with `MALLOC_MMAP_MAX_=0` and a large `MALLOC_TRIM_THRESHOLD_`. The process's memory stays
/// at its peak until it exits.
func keepFreedMemoryForReuse() {
    #if canImport(Glibc)
    // <malloc.h> is not part of Swift's Glibc module: look `mallopt` up by name.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    // Each returns 1 on success; a failure leaves glibc's default, which is only slower.
    _ = mallopt(-4, 0)  // M_MMAP_MAX
    _ = mallopt(-1, -1)  // M_TRIM_THRESHOLD: -1 turns trimming off
    #endif
}
