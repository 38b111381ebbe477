import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// How a `graft` child process ended, with its peak resident memory.
struct ChildRun {
    /// The exit status, or nil when a signal ended the process.
    var status: Int32?
    /// The signal that ended the process, or nil when it exited.
    var signal: Int32?
    /// Peak resident set size of the child, in bytes: its `VmHWM` as last read while it ran.
    var peakResidentBytes: Int
    var stdout: String
    var stderr: String
}

/// Every command of the hostile suite must stay under this much resident memory.
let hostileMemoryBound = 2 << 30

/// The address-space limit each child runs under: a regression that asks for tens of gigabytes
/// then fails inside the child instead of exhausting the machine the suite runs on.
let hostileAddressSpaceLimitKiB = 8 << 20

/// The built `graft` executable, next to the test bundle.
var graftExecutable: String {
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    let beside = products.appendingPathComponent("graft").path
    if FileManager.default.fileExists(atPath: beside) { return beside }
    // XCTest on Linux runs from the products directory itself.
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("graft").path
}

/// Runs `graft arguments…` as a child under `ulimit -v`, waits for it and returns how it ended
/// and its peak RSS. Output goes through files, so a chatty child cannot block.
func runGraftChild(_ arguments: [String], environment extra: [String: String] = [:],
                   stdin: String? = nil) throws -> ChildRun {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("graft-child-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let out = folder + "/stdout", err = folder + "/stderr", input = folder + "/stdin"
    try (stdin ?? "").write(toFile: input, atomically: false, encoding: .utf8)

    let script = "ulimit -v \(hostileAddressSpaceLimitKiB) && exec \"$0\" \"$@\" <\"\(input)\" >\"\(out)\" 2>\"\(err)\""
    let argv = ["/bin/sh", "-c", script, graftExecutable] + arguments
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in extra { environment[k] = v }
    let envp = environment.map { "\($0.key)=\($0.value)" }

    var pid: pid_t = 0
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = envp.map { strdup($0) } + [nil]
    defer { (cArgs + cEnv).forEach { free($0) } }
    let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, cArgs, cEnv)
    guard spawned == 0 else { throw NSError(domain: "posix_spawn", code: Int(spawned)) }

    // The kernel's ru_maxrss of a child spawned from this process counts this process's own
    // peak (exec records the peak of the memory it replaces), so the child's high-water mark is
    // read from /proc while it runs instead; it only grows, so the last reading is its peak but
    // for the child's last few milliseconds.
    var wstatus: Int32 = 0
    var peakKiB = 0
    while true {
        let reaped = waitpid(pid, &wstatus, WNOHANG)
        if reaped == pid { break }
        guard reaped == 0 || errno == EINTR else { throw NSError(domain: "waitpid", code: Int(errno)) }
        peakKiB = max(peakKiB, highWaterMarkKiB(of: pid) ?? 0)
        usleep(2000)
    }
    let signalled = (wstatus & 0x7f) != 0 && (wstatus & 0x7f) != 0x7f
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return ChildRun(status: signalled ? nil : (wstatus >> 8) & 0xff, signal: signalled ? wstatus & 0x7f : nil,
                    peakResidentBytes: peakKiB * 1024, stdout: read(out), stderr: read(err))
}

/// The `VmHWM` line of /proc/PID/status (the process's peak resident memory), nil once it has exited.
private func highWaterMarkKiB(of pid: pid_t) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    let fields = line.split { $0 == " " || $0 == "\t" }
    return fields.count > 1 ? Int(fields[1]) : nil
}

/// Asserts that `run` ended by itself (no signal, no runtime trap), under the memory bound,
/// with `status`, and that its error output names each of `mentions`.
func assertCleanExit(_ run: ChildRun, status: Int32, mentions: [String] = [],
                     file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNil(run.signal, "ended by signal \(run.signal ?? 0): \(run.stderr.suffix(2000))", file: file, line: line)
    XCTAssertFalse(run.stderr.contains("Fatal error"), "runtime trap: \(run.stderr.suffix(2000))", file: file, line: line)
    XCTAssertEqual(run.status, status, "stderr: \(run.stderr.suffix(2000))", file: file, line: line)
    XCTAssertLessThan(run.peakResidentBytes, hostileMemoryBound,
                      "peak RSS \(run.peakResidentBytes >> 20) MiB", file: file, line: line)
    for m in mentions {
        XCTAssertTrue(run.stderr.contains(m), "stderr does not name '\(m)': \(run.stderr.suffix(2000))", file: file, line: line)
    }
}
