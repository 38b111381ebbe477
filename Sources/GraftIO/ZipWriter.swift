import CZlib

/// Writes a zip archive of stored (uncompressed) entries laid out as `torch.save` lays them
/// out: each entry's data starts on a 64-byte boundary, reached with an "FB" extra field of
/// 'Z' bytes in its local header, so that readers can map storages in place. Sizes, offsets
/// and counts that do not fit the classic fields are written in zip64 form. The archive goes
/// through an `AtomicFileWriter`: nothing appears at the path unless `finish()` succeeds.
final class ZipWriter {
    static let alignment = 64
    /// 1980-01-01 in MS-DOS form; the time is 00:00, so archives are reproducible.
    private static let dosDate: UInt16 = 0x21

    private let file: AtomicFileWriter
    /// Sizes and offsets from this value on are written in zip64 form: 0xffff_ffff, or less in
    /// tests, which exercise zip64 on small archives.
    private let zip64Threshold: Int
    private var offset = 0
    private var directory: [UInt8] = []
    private var count = 0

    init(_ path: String, zip64Threshold: Int = 0xffff_ffff) throws {
        file = try AtomicFileWriter(path)
        self.zip64Threshold = zip64Threshold
    }

    /// Appends a stored entry named `name` (ASCII, under 64 KiB) holding `data`.
    func add(_ name: String, _ data: UnsafeRawBufferPointer) throws {
        let crc = ZipWriter.crc32(data)
        let bigData = data.count >= zip64Threshold, farOffset = offset >= zip64Threshold
        let size32 = bigData ? UInt32.max : UInt32(data.count)
        let version: UInt16 = bigData || farOffset ? 45 : 20

        var local: [UInt8] = []
        appendLittleEndian(UInt32(0x0403_4b50), to: &local)
        appendLittleEndian(version, to: &local)
        appendLittleEndian(UInt16(0), to: &local)               // flags
        appendLittleEndian(UInt16(0), to: &local)               // method: stored
        appendLittleEndian(UInt16(0), to: &local)               // time
        appendLittleEndian(ZipWriter.dosDate, to: &local)
        appendLittleEndian(crc, to: &local)
        appendLittleEndian(size32, to: &local)                  // compressed size
        appendLittleEndian(size32, to: &local)                  // size
        appendLittleEndian(UInt16(name.utf8.count), to: &local)
        var extra: [UInt8] = []
        if bigData {   // a local zip64 field holds both sizes
            appendLittleEndian(UInt16(1), to: &extra)
            appendLittleEndian(UInt16(16), to: &extra)
            appendLittleEndian(UInt64(data.count), to: &extra)
            appendLittleEndian(UInt64(data.count), to: &extra)
        }
        let unpadded = offset + 30 + name.utf8.count + extra.count + 4
        let padding = (ZipWriter.alignment - unpadded % ZipWriter.alignment) % ZipWriter.alignment
        extra += Array("FB".utf8)
        appendLittleEndian(UInt16(padding), to: &extra)
        extra += [UInt8](repeating: UInt8(ascii: "Z"), count: padding)
        appendLittleEndian(UInt16(extra.count), to: &local)
        local += name.utf8
        local += extra

        var central: [UInt8] = []
        appendLittleEndian(UInt32(0x0201_4b50), to: &central)
        appendLittleEndian(version, to: &central)               // made by (MS-DOS attributes)
        central += local[4..<26]                                // version needed … sizes
        appendLittleEndian(UInt16(name.utf8.count), to: &central)
        var centralExtra: [UInt8] = []
        if bigData || farOffset {   // the zip64 values of the saturated fields, in order
            appendLittleEndian(UInt16(1), to: &centralExtra)
            appendLittleEndian(UInt16((bigData ? 16 : 0) + (farOffset ? 8 : 0)), to: &centralExtra)
            if bigData {
                appendLittleEndian(UInt64(data.count), to: &centralExtra)
                appendLittleEndian(UInt64(data.count), to: &centralExtra)
            }
            if farOffset { appendLittleEndian(UInt64(offset), to: &centralExtra) }
        }
        appendLittleEndian(UInt16(centralExtra.count), to: &central)
        central += [UInt8](repeating: 0, count: 10)             // comment length, disk, attributes
        appendLittleEndian(farOffset ? UInt32.max : UInt32(offset), to: &central)
        central += name.utf8
        central += centralExtra

        try file.write(local)
        try file.write(data)
        directory += central
        offset += local.count + data.count
        count += 1
    }

    /// Writes the central directory and the end records, then commits the file.
    func finish() throws {
        let directoryOffset = offset
        try file.write(directory)
        offset += directory.count
        let countLimit = min(zip64Threshold, 0xffff)
        let zip64 = count >= countLimit || directoryOffset >= zip64Threshold || directory.count >= zip64Threshold
        var end: [UInt8] = []
        if zip64 {
            appendLittleEndian(UInt32(0x0606_4b50), to: &end)   // zip64 end of central directory record
            appendLittleEndian(UInt64(44), to: &end)
            appendLittleEndian(UInt16(45), to: &end)
            appendLittleEndian(UInt16(45), to: &end)
            appendLittleEndian(UInt64(0), to: &end)             // disk numbers
            appendLittleEndian(UInt64(count), to: &end)
            appendLittleEndian(UInt64(count), to: &end)
            appendLittleEndian(UInt64(directory.count), to: &end)
            appendLittleEndian(UInt64(directoryOffset), to: &end)
            appendLittleEndian(UInt32(0x0706_4b50), to: &end)   // its locator
            appendLittleEndian(UInt32(0), to: &end)
            appendLittleEndian(UInt64(offset), to: &end)
            appendLittleEndian(UInt32(1), to: &end)
        }
        let count16 = count >= countLimit ? UInt16.max : UInt16(count)
        appendLittleEndian(UInt32(0x0605_4b50), to: &end)
        appendLittleEndian(UInt32(0), to: &end)                 // disk numbers
        appendLittleEndian(count16, to: &end)
        appendLittleEndian(count16, to: &end)
        appendLittleEndian(directory.count >= zip64Threshold ? UInt32.max : UInt32(directory.count), to: &end)
        appendLittleEndian(directoryOffset >= zip64Threshold ? UInt32.max : UInt32(directoryOffset), to: &end)
        appendLittleEndian(UInt16(0), to: &end)                 // comment length
        try file.write(end)
        try file.commit()
    }

    /// The CRC-32 of `data` (zlib's, in chunks that fit its 32-bit lengths).
    static func crc32(_ data: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var start = 0
        while start < data.count {
            let n = min(data.count - start, 1 << 30)
            crc = CZlib.crc32(crc, data.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, uInt(n))
            start += n
        }
        return UInt32(crc)
    }
}
