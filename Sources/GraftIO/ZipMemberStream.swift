import CZlib
import Foundation

/// Streams one member of a zip archive (a wheel, say), stored or deflated, to `sink` in pieces
/// of at most 1 MiB, checking its CRC-32. Throws, naming the archive, when the member is absent,
/// uses another compression method, declares more than `maximumSize` bytes, or inflates to
/// other bytes than its directory entry declares. Returns the member's size.
@discardableResult
public func streamZipMember(_ member: String, of archivePath: String, maximumSize: Int,
                            to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
    let archive = try ZipArchive(MappedFile(archivePath))
    func bad(_ detail: String) -> WeightFileError { .badHeader(file: archivePath, detail: "zip: " + detail) }
    guard let entry = archive.entry(member) else {
        let names = archive.entries.prefix(20).map(\.name).joined(separator: ", ")
        throw bad("no member '\(member)' (members: \(names)\(archive.entries.count > 20 ? ", …" : ""))")
    }
    guard entry.size <= maximumSize else {
        throw bad("member '\(member)' declares \(entry.size) bytes, more than the \(maximumSize) allowed")
    }
    let raw = try archive.rawData(entry)
    var crc = crc32(0, nil, 0)
    var produced = 0
    func emit(_ piece: UnsafeRawBufferPointer) throws {
        guard piece.count <= entry.size - produced else { throw bad("member '\(member)' inflates to more than its \(entry.size) bytes") }
        if let base = piece.baseAddress { crc = crc32(crc, base.assumingMemoryBound(to: UInt8.self), uInt(piece.count)) }
        produced += piece.count
        try sink(piece)
    }
    let piece = 1 << 20
    switch entry.method {
    case 0:
        for start in stride(from: 0, to: raw.count, by: piece) {
            try emit(UnsafeRawBufferPointer(rebasing: raw[start..<min(raw.count, start + piece)]))
        }
    case 8:
        try inflateRaw(raw, pieceSize: piece, name: member, bad: bad, emit: emit)
    default:
        throw bad("member '\(member)' uses compression method \(entry.method); only stored (0) and deflated (8) are read")
    }
    guard produced == entry.size else { throw bad("member '\(member)' holds \(produced) bytes, its entry declares \(entry.size)") }
    guard crc == uLong(entry.crc32) else { throw bad("member '\(member)' fails its CRC-32 check (the archive is corrupt)") }
    return produced
}

/// Inflates raw deflate data (no zlib header, as zip stores it), handing out pieces as they come.
private func inflateRaw(_ input: UnsafeRawBufferPointer, pieceSize: Int, name: String,
                        bad: (String) -> WeightFileError, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
    var stream = z_stream()
    guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw bad("zlib cannot start inflating '\(name)'")
    }
    defer { inflateEnd(&stream) }
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceSize, alignment: 16)
    defer { output.deallocate() }
    var consumed = 0
    var status = Z_OK
    while status != Z_STREAM_END {
        // zlib counts input in 32-bit units: feed at most 1 GiB at a time.
        if stream.avail_in == 0 && consumed < input.count {
            let n = min(input.count - consumed, 1 << 30)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(n)
            consumed += n
        }
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(pieceSize)
        status = inflate(&stream, Z_NO_FLUSH)
        guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && stream.avail_in == 0 && consumed < input.count) else {
            throw bad(status == Z_BUF_ERROR ? "member '\(name)' is cut short" : "member '\(name)' is not valid deflate data (zlib \(status))")
        }
        let made = pieceSize - Int(stream.avail_out)
        if made > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[0..<made])) }
        if status == Z_OK && made == 0 && stream.avail_in == 0 && consumed >= input.count {
            throw bad("member '\(name)' is cut short")
        }
    }
}
