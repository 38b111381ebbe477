import Foundation

/// A new, empty folder in the system's temporary directory, named `graft-NAME-UUID`; the test
/// removes it.
public func temporaryFolder(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("graft-\(name)-\(UUID())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
