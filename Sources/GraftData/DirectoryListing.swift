import Foundation
import GraftCore

/// One entry of a directory, as `os.scandir` reports it: `isDirectory` follows symbolic links
/// (a broken link is a file).
struct DirectoryEntry {
    let name: String
    let isDirectory: Bool
}

/// The entries of `path` (not `.` and `..`), unsorted; errors name the directory.
func listDirectory(_ path: String) throws -> [DirectoryEntry] {
    guard let dir = opendir(path) else {
        throw DataError.unreadable(file: path, reason: errnoText())
    }
    defer { closedir(dir) }
    var entries: [DirectoryEntry] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        let type = Int32(entry.pointee.d_type)
        let isDirectory: Bool
        if type == Int32(DT_DIR) {
            isDirectory = true
        } else if type == Int32(DT_LNK) || type == Int32(DT_UNKNOWN) {
            isDirectory = fileIdentity(path + "/" + name)?.isDirectory ?? false
        } else {
            isDirectory = false
        }
        entries.append(DirectoryEntry(name: name, isDirectory: isDirectory))
    }
    return entries
}

/// Device, inode and kind of a file, following links.
struct FileIdentity {
    let device: UInt64
    let inode: UInt64
    let isDirectory: Bool

    /// Device and inode as one string, a key for the folders a walk has reached.
    var key: String { "\(device):\(inode)" }
}

/// The identity of the file at `path`, following links; nil when it cannot be stat'ed (a
/// broken link).
func fileIdentity(_ path: String) -> FileIdentity? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
}
