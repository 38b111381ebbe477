import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// oneDNN runs on OpenMP, whose threads by default spin for a long time (libgomp: 300,000
/// pause iterations) at the end of each parallel region before they sleep. Beside a
/// busy neighbour (a build, a browser) that spinning is ruinous: a spinning thread holds a core
/// the neighbour wants while the thread it waits for is descheduled, and every step waits out a
/// time slice. Sleeping at once (`OMP_WAIT_POLICY=passive`) makes every small primitive pay a
/// wake-up instead. A short spin of 1,000 iterations covers the gaps
/// between primitives on an idle machine and costs almost nothing under load (README,
/// Performance, "Beside a busy neighbour"). libgomp reads its settings once, when it is loaded,
/// so unless the user chose a policy or a spin count the process sets the spin count and
/// executes itself again, before any work. To choose otherwise, set `OMP_WAIT_POLICY` or
/// `GOMP_SPINCOUNT` in the environment.
func boundOpenMPSpinning() {
    #if canImport(Glibc)
    let environment = ProcessInfo.processInfo.environment
    guard environment["OMP_WAIT_POLICY"] == nil, environment["GOMP_SPINCOUNT"] == nil else { return }
    setenv("GOMP_SPINCOUNT", "1000", 1)
    // On success execv does not return; on failure the process goes on with the defaults.
    _ = execv("/proc/self/exe", CommandLine.unsafeArgv)
    #endif
}
