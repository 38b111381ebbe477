import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// oneDNN runs on OpenMP, whose threads by default spin for a long time at the end of each
/// parallel region. Graft's loader threads share the cores with them, and long spinning starves
/// the loader (evaluating 10,000 images: 91 s), while sleeping at once (`OMP_WAIT_POLICY=passive`)
/// makes every small primitive pay a wake-up (LeNet-5 epochs 60% slower). A bounded spin of
/// 100,000 iterations does both well (8.9 s; LeNet epochs as fast as with spinning). libgomp
/// reads its settings once, when it is loaded, so unless the user chose a policy or a spin count
/// the process sets them and executes itself again, before any work.
func boundOpenMPSpinning() {
    #if canImport(Glibc)
    let environment = ProcessInfo.processInfo.environment
    guard environment["OMP_WAIT_POLICY"] == nil, environment["GOMP_SPINCOUNT"] == nil else { return }
    setenv("OMP_WAIT_POLICY", "active", 1)
    setenv("GOMP_SPINCOUNT", "100000", 1)
    // On success execv does not return; on failure the process goes on with the defaults.
    _ = execv("/proc/self/exe", CommandLine.unsafeArgv)
    #endif
}
