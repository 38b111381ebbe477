import CDNNL
import Foundation

private let derivedCacheLock = NSLock()

extension Tensor {
    /// The version of this tensor's storage: it changes on every write through `assign` or
    /// `withUnsafeMutableFloats` (optimizer steps, weight loading, running statistics).
    var storageVersion: Int { storage.version }

    /// Tensors computed from this one (and maybe others) by `make`, remembered on this tensor
    /// while `stamp` stays the same; `stamp` holds the storage versions of everything `make`
    /// reads. One entry per tensor: a call with another stamp replaces it.
    func cachedDerived(stamp: [Int], _ make: () throws -> [Tensor]) rethrows -> [Tensor] {
        derivedCacheLock.lock()
        let hit = derivedCache.flatMap { $0.stamp == stamp ? $0.tensors : nil }
        derivedCacheLock.unlock()
        if let hit { return hit }
        let made = try make()
        derivedCacheLock.lock()
        derivedCache = (stamp, made)
        derivedCacheLock.unlock()
        return made
    }

    /// This tensor's data in layout `md`, as `make()` produces it, kept until the tensor is
    /// written: a frozen or inference-time convolution weight is reordered to the primitive's
    /// blocked layout once, not on every forward.
    func cachedConversion(to md: dnnl_memory_desc_t, _ make: () -> Tensor) -> Tensor {
        cachedDerived(stamp: [storageVersion] + DNNL.layoutKey(md)) { [make()] }[0]
    }
}
