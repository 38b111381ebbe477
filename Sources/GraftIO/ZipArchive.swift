/// The entries of a zip archive held in a mapped file, located through its central directory
/// (zip64 included). Stored (uncompressed) entries, which is how `torch.save` writes them,
/// are views into the mapping; `ZipMemberStream` inflates deflated ones.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let size: Int
        let compressedSize: Int
        let crc32: UInt32
        let localHeaderOffset: Int
    }

    let file: MappedFile
    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    /// Whether the bytes start like a zip archive ("PK"; a cut-off one included).
    static func isZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x50 && bytes[1] == 0x4b
    }

    init(_ file: MappedFile) throws {
        self.file = file
        let b = file.bytes
        let path = file.path
        func bad(_ detail: String) -> WeightFileError { .badHeader(file: path, detail: "zip: " + detail) }
        // The end-of-central-directory record: 22 bytes plus a comment of up to 65535.
        var eocd: Int?
        if b.count >= 22 {
            for i in stride(from: b.count - 22, through: max(0, b.count - 22 - 65535), by: -1)
            where b.littleEndian(i, as: UInt32.self) == 0x0605_4b50 {
                eocd = i
                break
            }
        }
        guard let eocd else {
            throw WeightFileError.truncated(file: path, detail: "zip: no end-of-central-directory record (the archive is cut short)")
        }
        var count = Int(b.littleEndian(eocd + 10, as: UInt16.self))
        var directorySize = Int(b.littleEndian(eocd + 12, as: UInt32.self))
        var directoryOffset = Int(b.littleEndian(eocd + 16, as: UInt32.self))
        if count == 0xffff || directorySize == 0xffff_ffff || directoryOffset == 0xffff_ffff {
            // Zip64: a locator just before the record points at the zip64 record.
            guard eocd >= 20, b.littleEndian(eocd - 20, as: UInt32.self) == 0x0706_4b50 else { throw bad("zip64 locator missing") }
            let record = try file.slice(Int(clamping: b.littleEndian(eocd - 12, as: UInt64.self)), 56, "the zip64 directory record")
            guard record.littleEndian(0, as: UInt32.self) == 0x0606_4b50 else { throw bad("zip64 directory record missing") }
            count = Int(clamping: record.littleEndian(32, as: UInt64.self))
            directorySize = Int(clamping: record.littleEndian(40, as: UInt64.self))
            directoryOffset = Int(clamping: record.littleEndian(48, as: UInt64.self))
        }
        let directory = try file.slice(directoryOffset, directorySize, "the zip central directory")
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= directory.count, directory.littleEndian(p, as: UInt32.self) == 0x0201_4b50 else {
                throw bad("central directory entry \(entries.count) is malformed")
            }
            let method = directory.littleEndian(p + 10, as: UInt16.self)
            let crc32 = directory.littleEndian(p + 16, as: UInt32.self)
            var compressedSize = Int(directory.littleEndian(p + 20, as: UInt32.self))
            var size = Int(directory.littleEndian(p + 24, as: UInt32.self))
            let nameLength = Int(directory.littleEndian(p + 28, as: UInt16.self))
            let extraLength = Int(directory.littleEndian(p + 30, as: UInt16.self))
            let commentLength = Int(directory.littleEndian(p + 32, as: UInt16.self))
            var localOffset = Int(directory.littleEndian(p + 42, as: UInt32.self))
            let end = p + 46 + nameLength + extraLength + commentLength
            guard end <= directory.count else { throw bad("central directory entry \(entries.count) is malformed") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: directory[p + 46..<p + 46 + nameLength]), as: UTF8.self)
            // Zip64 extra field: the 64-bit values of the fields saturated above, in order.
            var e = p + 46 + nameLength
            while e + 4 <= p + 46 + nameLength + extraLength {
                let id = directory.littleEndian(e, as: UInt16.self)
                let length = Int(directory.littleEndian(e + 2, as: UInt16.self))
                if id == 0x0001 {
                    var q = e + 4
                    func next() throws -> Int {
                        guard q + 8 <= e + 4 + length else { throw bad("zip64 field of '\(name)' is short") }
                        defer { q += 8 }
                        return Int(clamping: directory.littleEndian(q, as: UInt64.self))
                    }
                    if size == 0xffff_ffff { size = try next() }
                    if compressedSize == 0xffff_ffff { compressedSize = try next() }
                    if localOffset == 0xffff_ffff { localOffset = try next() }
                }
                e += 4 + length
            }
            if method == 0 && compressedSize != size { throw bad("stored entry '\(name)' has two different sizes") }
            index[name] = entries.count
            entries.append(Entry(name: name, method: method, size: size, compressedSize: compressedSize, crc32: crc32,
                                 localHeaderOffset: localOffset))
            p = end
        }
        self.entries = entries
        self.index = index
    }

    func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The bytes of a stored entry.
    func data(_ entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            throw WeightFileError.badHeader(file: file.path,
                                            detail: "zip: entry '\(entry.name)' is compressed (method \(entry.method)); torch.save stores entries")
        }
        return try rawData(entry)
    }

    /// The bytes of an entry as the archive holds them (compressed or not).
    func rawData(_ entry: Entry) throws -> UnsafeRawBufferPointer {
        let header = try file.slice(entry.localHeaderOffset, 30, "the local header of '\(entry.name)'")
        guard header.littleEndian(0, as: UInt32.self) == 0x0403_4b50 else {
            throw WeightFileError.badHeader(file: file.path, detail: "zip: local header of '\(entry.name)' is missing")
        }
        let start = entry.localHeaderOffset + 30 + Int(header.littleEndian(26, as: UInt16.self))
            + Int(header.littleEndian(28, as: UInt16.self))
        return try file.slice(start, entry.compressedSize, "entry '\(entry.name)'")
    }
}
