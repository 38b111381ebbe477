import Foundation
import GraftCore

/// A file mapped read-only into memory (`mmap`), so that readers take tensors straight from
/// the page cache without reading the file into a buffer first. Unmapped on deinit.
final class MappedFile {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(_ path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WeightFileError.unreadable(file: path, reason: errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WeightFileError.unreadable(file: path, reason: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw WeightFileError.unreadable(file: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw WeightFileError.unreadable(file: path, reason: "mmap: " + errnoText())
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    var count: Int { bytes.count }

    /// The bytes `offset..<offset + length`, or a `truncated` error describing `what`.
    func slice(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw WeightFileError.truncated(
                file: path, detail: "\(what()) needs bytes \(offset)..<\(offset &+ length) but the file has \(count) bytes")
        }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset` (the caller has checked the bounds).
    func littleEndian<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
