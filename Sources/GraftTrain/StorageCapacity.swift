import Foundation

/// Free bytes for an unprivileged writer on the file system of `path` or of its nearest
/// existing ancestor; nil when it cannot be told.
@Sendable public func freeBytes(at path: String) -> Int? {
    var folder = path
    while !FileManager.default.fileExists(atPath: folder) {
        let parent = (folder as NSString).deletingLastPathComponent
        if parent == folder || parent.isEmpty { return nil }
        folder = parent
    }
    var info = statvfs()
    guard statvfs(folder, &info) == 0 else { return nil }
    let (bytes, overflow) = Int(clamping: info.f_bavail).multipliedReportingOverflow(by: Int(clamping: info.f_frsize))
    return overflow ? Int.max : bytes
}

/// The memory the machine has available (`MemAvailable` of /proc/meminfo), else its physical memory.
func availableMemory() -> Int {
    if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
       let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
       let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
       kilobytes < Int.max / 1024 {
        return kilobytes * 1024
    }
    return Int(clamping: ProcessInfo.processInfo.physicalMemory)
}
