import Foundation

/// Runs the program at `path` with `arguments` and `environment` added to this process's;
/// a non-zero exit throws with what it printed on standard error. Returns its standard output.
@discardableResult
public func runCommand(_ path: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Drain standard error beside standard output, so that neither pipe fills and blocks the child.
    let errors = LockedData()
    let drain = Thread { errors.set(err.fileHandleForReading.readDataToEndOfFile()) }
    drain.start()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errors.isSet { Thread.sleep(forTimeInterval: 0.001) }
    guard process.terminationStatus == 0 else {
        throw ReferenceError("\(path) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): "
                             + String(decoding: errors.value + output, as: UTF8.self))
    }
    return output
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}
