import GraftCore

/// The contents of a safetensors file.
public struct SafeTensorsFile {
    /// The tensors in the order of their data in the file.
    public let tensors: [(String, Tensor)]
    /// The string metadata of the header's `__metadata__` entry (empty when absent).
    public let metadata: [String: String]

    /// The tensor named `name`, if the file has one.
    public subscript(name: String) -> Tensor? { tensors.first { $0.0 == name }?.1 }
}

/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header mapping each tensor name to its dtype, shape
/// and `data_offsets` (plus optional string `__metadata__`), then the raw little-endian data.
///
/// Reading maps the file (`mmap`) and validates the header completely before converting
/// anything: F32, F16, BF16 and F64 become float32 tensors (F16 and BF16 exactly), I64 stays
/// int64 and I32 stays int32; the data regions must cover the data exactly, without overlaps
/// or holes, as the format requires. Writing is atomic (temporary file, fsync, rename).
public enum SafeTensors {
    /// The format's limit on the header length.
    static let maxHeaderLength = 100_000_000
    static let metadataKey = "__metadata__"

    struct Entry {
        let name: String
        let type: ElementType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    struct Header {
        /// Entries sorted by their position in the data.
        let entries: [Entry]
        let metadata: [String: String]
        /// Where the data starts in the file.
        let dataStart: Int
    }

    /// Whether `bytes` start as a safetensors file does: a header length that fits the
    /// format's limit and the bytes that follow it, then the header's opening `{`.
    static func startsWithHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count > 8 else { return false }
        let length = bytes.littleEndian(0, as: UInt64.self)
        return length >= 2 && length <= UInt64(min(maxHeaderLength, bytes.count - 8)) && bytes[8] == UInt8(ascii: "{")
    }

    /// Reads every tensor and the metadata of the safetensors file at `path`.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        try read(MappedFile(path))
    }

    static func read(_ file: MappedFile) throws -> SafeTensorsFile {
        let header = try parseHeader(file)
        let tensors = header.entries.map { e in
            let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[header.dataStart + e.begin..<header.dataStart + e.end])
            return (e.name, makeTensor(bytes, type: e.type, layout: .rowMajor(e.shape)))
        }
        return SafeTensorsFile(tensors: tensors, metadata: header.metadata)
    }

    /// Reads only the `__metadata__` strings (after validating the whole header), so that a
    /// model can be built before its weights are read.
    public static func readMetadata(_ path: String) throws -> [String: String] {
        try parseHeader(MappedFile(path)).metadata
    }

    static func parseHeader(_ file: MappedFile) throws -> Header {
        let path = file.path
        func bad(_ detail: String) -> WeightFileError { .badHeader(file: path, detail: detail) }
        guard file.count >= 8 else {
            throw WeightFileError.truncated(file: path, detail: "\(file.count) bytes cannot hold the 8-byte header length")
        }
        let declared = file.bytes.littleEndian(0, as: UInt64.self)
        guard declared <= UInt64(maxHeaderLength) else {
            throw bad("header length \(declared) is over the format's limit of \(maxHeaderLength) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= file.count - 8 else {
            throw WeightFileError.truncated(
                file: path, detail: "the header length says \(headerLength) bytes but only \(file.count - 8) follow it")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: file.bytes[8..<8 + headerLength]))
        } catch let failure as JSONParser.Failure {
            throw bad("invalid JSON at byte \(8 + failure.offset): \(failure.message)")
        }
        guard case let .object(members) = json else { throw bad("the header is not a JSON object") }
        let dataStart = 8 + headerLength
        let dataLength = file.count - dataStart
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw bad("'\(name)' appears twice") }
            if name == metadataKey {
                guard case let .object(pairs) = value else { throw bad("\(metadataKey) is not an object") }
                for (k, v) in pairs {
                    guard case let .string(s) = v else { throw bad("\(metadataKey) value '\(k)' is not a string") }
                    guard metadata.updateValue(s, forKey: k) == nil else { throw bad("\(metadataKey) key '\(k)' appears twice") }
                }
                continue
            }
            entries.append(try parseEntry(name, value, file: path, dataLength: dataLength))
        }
        // The data regions, in order, must tile the data: no overlaps, no holes.
        let ordered = entries.enumerated().sorted { ($0.element.begin, $0.element.end, $0.offset) < ($1.element.begin, $1.element.end, $1.offset) }
            .map(\.element)
        var position = 0
        var previous: String?
        for e in ordered {
            if e.begin < position {
                throw bad("data_offsets [\(e.begin), \(e.end)] of '\(e.name)' overlap those of '\(previous!)', which end at \(position)")
            }
            if e.begin > position { throw bad("data bytes \(position)..<\(e.begin) belong to no tensor (before '\(e.name)')") }
            position = e.end
            previous = e.name
        }
        guard position == dataLength else {
            throw bad("data bytes \(position)..<\(dataLength) at the end of the file belong to no tensor")
        }
        return Header(entries: ordered, metadata: metadata, dataStart: dataStart)
    }

    private static func parseEntry(_ name: String, _ value: JSONValue, file: String, dataLength: Int) throws -> Entry {
        func bad(_ detail: String) -> WeightFileError { .badHeader(file: file, detail: "'\(name)': \(detail)") }
        guard case let .object(fields) = value else { throw bad("not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields.first(where: { $0.0 == key })?.1 else { throw bad("no \(key)") }
            return v
        }
        guard case let .string(dtypeName) = try field("dtype") else { throw bad("dtype is not a string") }
        guard let type = ElementType(safetensorsName: dtypeName) else {
            throw WeightFileError.badTensor(file: file, key: name,
                                            detail: "dtype \(dtypeName) is not supported (F32, F16, BF16, F64, I64, I32)")
        }
        guard case let .array(dims) = try field("shape") else { throw bad("shape is not an array") }
        let shape = dims.compactMap(\.nonNegativeInteger)
        guard shape.count == dims.count, let count = ElementLayout.elementCount(shape) else {
            throw bad("shape \(dims.map(\.serialized)) is not a list of non-negative integers")
        }
        if let reason = unsupportedShape(shape, type) { throw WeightFileError.badTensor(file: file, key: name, detail: reason) }
        guard case let .array(offsets) = try field("data_offsets"), offsets.count == 2,
              let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger else {
            throw bad("data_offsets is not a pair of non-negative integers")
        }
        guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= dataLength else {
            throw bad("data_offsets [\(begin), \(end)] point past the end of the file (the data has \(dataLength) bytes)")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow, end - begin == bytes else {
            throw bad("data_offsets [\(begin), \(end)] span \(end - begin) bytes but \(dtypeName) \(shapeString(shape)) needs \(count) × \(type.size)")
        }
        return Entry(name: name, type: type, shape: shape, begin: begin, end: end)
    }

    /// Writes `tensors` (float32 as F32, int64 as I64, int32 as I32, row-major) in the given
    /// order with `metadata` as `__metadata__`, atomically: a temporary file in the same
    /// directory is written, synced and renamed to `path`. Names must be unique and non-empty.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var seen = Set<String>()
        var members: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            members.append((metadataKey, .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for (name, tensor) in tensors {
            guard !name.isEmpty, name != metadataKey, seen.insert(name).inserted else {
                throw WeightFileError.badTensor(file: path, key: name, detail: "names must be unique, non-empty and not \(metadataKey)")
            }
            let type: ElementType = tensor.dtype == .float32 ? .float32 : tensor.dtype == .int64 ? .int64 : .int32
            let bytes = tensor.count * type.size
            members.append((name, .object([
                ("dtype", .string(type.safetensorsName)),
                ("shape", .array(tensor.shape.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(offset)), .number(String(offset + bytes))])),
            ])))
            offset += bytes
        }
        var header = Array(JSONValue.object(members).serialized.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)   // align the data to 8 bytes
        let writer = try AtomicFileWriter(path)
        try withUnsafeBytes(of: UInt64(header.count).littleEndian) { try writer.write($0) }
        try writer.write(header)
        for (_, tensor) in tensors {
            switch tensor.dtype {
            case .float32: try tensor.toArray().withUnsafeBytes { try writer.write($0) }
            case .int64: try tensor.int64Values.withUnsafeBytes { try writer.write($0) }
            case .int32: try tensor.labels.map { Int32($0) }.withUnsafeBytes { try writer.write($0) }
            }
        }
        try writer.commit()
    }
}
