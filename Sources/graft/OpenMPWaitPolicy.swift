import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// oneDNN runs on OpenMP, whose threads spin at the end of each parallel region by default.
/// Graft's loader threads share the cores with them, and spinning threads starve the loader:
/// evaluating 10,000 images took 91 s with spinning and 15 s with passive waiting. libgomp
/// reads its settings once, when it is loaded, so unless the user chose a policy the process
/// sets `OMP_WAIT_POLICY=passive` and executes itself again, before any work.
func usePassiveOpenMPWaiting() {
    #if canImport(Glibc)
    guard ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"] == nil else { return }
    setenv("OMP_WAIT_POLICY", "passive", 1)
    // On success execv does not return; on failure the process goes on with the default policy.
    _ = execv("/proc/self/exe", CommandLine.unsafeArgv)
    #endif
}
