import Foundation

extension ONNXModelFile {
    /// The largest tensor decoded, in elements.
    static let maximumTensorElements = 1 << 31

    /// `proto` decoded (its data from raw_data, a typed field, or — with `allowExternalData` — a
    /// file beside the model) as a host tensor; `context` names it in errors ("initializer 'w'").
    func tensor(_ proto: Onnx_TensorProto, context: String) throws -> HostTensor {
        func fail(_ message: String) -> ONNXError { ONNXError(file: path, message: "\(context): \(message)") }
        var count = 1
        for d in proto.dims {
            guard d >= 0, d <= Self.maximumTensorElements else { throw fail("dimension \(d) in \(proto.dims) is negative or too large") }
            let (c, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, c <= Self.maximumTensorElements else { throw fail("shape \(proto.dims) has more than \(Self.maximumTensorElements) elements") }
            count = c
        }
        let shape = proto.dims.map { Int($0) }
        guard !proto.hasSegment else { throw fail("segmented tensors are not supported") }
        guard let type = ElementType(rawValue: proto.dataType) else {
            throw fail("data type \(proto.dataType) is not supported (float, float16, bfloat16, double, int64, int32, int16, int8, uint8, bool)")
        }
        if proto.dataLocation == .external {
            return HostTensor(shape: shape, elements: try type.decode(raw: externalBytes(proto, count * type.size, fail: fail), count: count))
        }
        if !proto.rawData.isEmpty || type.typedCount(proto) == 0 {
            guard proto.rawData.count == count * type.size else {
                throw fail("shape \(proto.dims) of \(type) needs \(count * type.size) bytes of raw data, it has \(proto.rawData.count)")
            }
            return HostTensor(shape: shape, elements: type.decode(raw: proto.rawData, count: count))
        }
        let typed = type.typedCount(proto)
        guard typed == count else { throw fail("shape \(proto.dims) holds \(count) values, its data field \(typed)") }
        return HostTensor(shape: shape, elements: type.decode(typed: proto))
    }

    /// The bytes of an external tensor: `location` must name a file inside the model's folder.
    private func externalBytes(_ proto: Onnx_TensorProto, _ expected: Int, fail: (String) -> ONNXError) throws -> Data {
        guard allowExternalData else { throw fail("its data is in an external file; pass --allow-external-data to read it") }
        var entries: [String: String] = [:]
        for e in proto.externalData { entries[e.key] = e.value }
        guard let location = entries["location"], !location.isEmpty else { throw fail("external data without a location") }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw fail("external data '\(location)' is outside the model's folder")
        }
        let folder = URL(fileURLWithPath: directory.isEmpty ? "." : directory).resolvingSymlinksInPath().path
        let file = URL(fileURLWithPath: (folder as NSString).appendingPathComponent(location)).resolvingSymlinksInPath().path
        guard file.hasPrefix(folder + "/") else { throw fail("external data '\(location)' leads outside the model's folder") }
        guard let offset = Int(entries["offset"] ?? "0"), offset >= 0, let length = Int(entries["length"] ?? String(expected)), length == expected else {
            throw fail("external data offset \(entries["offset"] ?? "0") and length \(entries["length"] ?? "") do not give the \(expected) bytes of its shape")
        }
        guard let handle = FileHandle(forReadingAtPath: file) else { throw fail("external data file '\(location)' cannot be read") }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map { Int($0) } ?? 0
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= size else { throw fail("external data \(offset) + \(length) bytes runs past the end of '\(location)' (\(size) bytes)") }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: length) ?? Data()
        guard data.count == length else { throw fail("external data file '\(location)' is shorter than it was") }
        return data
    }
}

/// The element types of ONNX tensors that Graft decodes, with their sizes in raw data.
private enum ElementType: Int32, CustomStringConvertible {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, bool = 9, float16 = 10, double = 11,
         uint32 = 12, bfloat16 = 16

    var size: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16, .float16, .bfloat16: return 2
        case .float, .int32, .uint32: return 4
        case .int64, .double: return 8
        }
    }

    var description: String {
        switch self {
        case .float: return "float"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        case .float16: return "float16"
        case .double: return "double"
        case .uint32: return "uint32"
        case .bfloat16: return "bfloat16"
        }
    }

    /// How many values the typed field for this type holds.
    func typedCount(_ p: Onnx_TensorProto) -> Int {
        switch self {
        case .float: return p.floatData.count
        case .int64: return p.int64Data.count
        case .double: return p.doubleData.count
        case .uint32: return p.uint64Data.count
        default: return p.int32Data.count
        }
    }

    func decode(typed p: Onnx_TensorProto) -> HostTensor.Elements {
        switch self {
        case .float: return .float(p.floatData)
        case .double: return .float(p.doubleData.map { Float($0) })
        case .float16: return .float(p.int32Data.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) })
        case .bfloat16: return .float(p.int32Data.map { Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: $0)) << 16) })
        case .int64: return .int(p.int64Data)
        case .uint32: return .int(p.uint64Data.map { Int64(truncatingIfNeeded: $0) })
        default: return .int(p.int32Data.map { Int64($0) })
        }
    }

    func decode(raw data: Data, count: Int) -> HostTensor.Elements {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> HostTensor.Elements in
            func load<T>(_: T.Type) -> [T] { (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
            switch self {
            case .float: return .float(load(Float.self))
            case .double: return .float(load(Double.self).map { Float($0) })
            case .float16: return .float(load(UInt16.self).map { Float(Float16(bitPattern: $0)) })
            case .bfloat16: return .float(load(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) })
            case .uint8, .bool: return .int(load(UInt8.self).map { Int64($0) })
            case .int8: return .int(load(Int8.self).map { Int64($0) })
            case .uint16: return .int(load(UInt16.self).map { Int64($0) })
            case .int16: return .int(load(Int16.self).map { Int64($0) })
            case .int32: return .int(load(Int32.self).map { Int64($0) })
            case .uint32: return .int(load(UInt32.self).map { Int64($0) })
            case .int64: return .int(load(Int64.self))
            }
        }
    }
}
