import GraftCore

/// PyTorch checkpoints written by `torch.save`: the zip format of torch ≥ 1.6
/// (`<folder>/data.pkl` plus one stored entry `<folder>/data/<key>` per storage) and the
/// legacy format (`_use_new_zipfile_serialization=False`: magic number, protocol version and
/// system-information pickles, the main pickle, the pickled list of storage keys, then each
/// storage as an 8-byte little-endian element count followed by its bytes).
///
/// The pickles are decoded by a restricted unpickler that executes nothing and accepts only
/// the globals a state dict needs; any other (`os.system`, a model class, …) is refused by
/// name. Storages may be float32, float16, bfloat16, float64, int64 or int32; tensor views
/// (storage offset, strides) are copied out in row-major order.
public enum PyTorchCheckpoint {
    /// The legacy format's first pickled value, 0x1950a86a20f9469cfc6c, as LONG1 bytes.
    static let magicNumber: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
    static let protocolVersion = 1001

    /// Whether `bytes` start with the legacy format's first pickle, torch's magic number:
    /// PROTO 2 to 5, an optional FRAME, then LONG1 of `magicNumber`.
    static func startsWithMagicNumber(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) else { return false }
        let long = bytes.count > 2 && bytes[2] == 0x95 ? 11 : 2   // FRAME and its 8-byte length
        let expected = [0x8a, UInt8(magicNumber.count)] + magicNumber
        return bytes.count >= long + expected.count && bytes[long..<long + expected.count].elementsEqual(expected)
    }

    /// The state dict in the file, in file order. The common wrappers are unwrapped
    /// (`{"state_dict": …}`, `{"model_state_dict": …}`, `{"model": …}`), and DataParallel's
    /// "module." prefix is removed when every key has it.
    public static func read(_ path: String) throws -> [(String, Tensor)] {
        let file = try MappedFile(path)
        return try ZipArchive.isZip(file.bytes) ? readZip(file) : readLegacy(file)
    }

    // MARK: Zip

    static func readZip(_ file: MappedFile) throws -> [(String, Tensor)] {
        let path = file.path
        let archive = try ZipArchive(file)
        guard let pickleEntry = archive.entries.first(where: {
            $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/", omittingEmptySubsequences: false).count == 2
        }) else {
            throw WeightFileError.badHeader(file: path, detail: "zip: no <folder>/data.pkl entry; not a torch.save archive")
        }
        let folder = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = archive.entry(folder + "byteorder") {
            let text = String(decoding: try archive.data(order), as: UTF8.self)
            guard text == "little" else {
                throw WeightFileError.badHeader(file: path, detail: "byteorder is '\(text)'; only little-endian storages are supported")
            }
        }
        let (root, _) = try Unpickler.load(try archive.data(pickleEntry), file: path) { pid, offset in
            // ('storage', storage_type, key, location, numel)
            guard case let .tuple(t) = pid, t.count == 5, case .string("storage") = t[0],
                  case let .string(key) = t[2], case let .int(count) = t[4], count >= 0 else {
                throw WeightFileError.badPickle(file: path, offset: offset, detail: "persistent id is not a storage reference")
            }
            return .storage(PickledStorage(type: try storageType(t[1], key: key, file: path), key: key, count: count))
        }
        return try stateDict(root, file: path) { storage in
            guard let entry = archive.entry(folder + "data/" + storage.key) else {
                throw WeightFileError.storageMissing(file: path, key: storage.key)
            }
            let data = try archive.data(entry)
            let (bytes, overflow) = storage.count.multipliedReportingOverflow(by: storage.type.size)
            guard !overflow, data.count >= bytes else {
                throw WeightFileError.badStorage(file: path, key: storage.key,
                                                 detail: "\(data.count) bytes cannot hold \(storage.count) elements of \(storage.type.size) bytes")
            }
            return UnsafeRawBufferPointer(rebasing: data[..<bytes])
        }
    }

    // MARK: Legacy

    static func readLegacy(_ file: MappedFile) throws -> [(String, Tensor)] {
        let path = file.path
        let refuse: Unpickler.PersistentLoader = { _, offset in
            throw WeightFileError.badPickle(file: path, offset: offset, detail: "unexpected persistent id")
        }
        let magic: PickleValue
        var position: Int
        do {
            (magic, position) = try Unpickler.load(file.bytes, file: path, persistentLoad: refuse)
        } catch let error as WeightFileError {
            if case .disallowedGlobal = error { throw error }
            throw WeightFileError.wrongMagic(file: path, detail: "neither a zip archive nor a legacy checkpoint (\(describeContent(file.bytes)))")
        }
        guard case let .bigInt(bytes) = magic, bytes == magicNumber else {
            throw WeightFileError.wrongMagic(file: path, detail: "the first pickled value is \(describe(magic)), not 0x1950a86a20f9469cfc6c")
        }
        let version: PickleValue
        (version, position) = try Unpickler.load(file.bytes, at: position, file: path, persistentLoad: refuse)
        guard case .int(protocolVersion) = version else {
            throw WeightFileError.badHeader(file: path, detail: "protocol version is \(describe(version)), not \(protocolVersion)")
        }
        let systemInfo: PickleValue
        (systemInfo, position) = try Unpickler.load(file.bytes, at: position, file: path, persistentLoad: refuse)
        if case let .dict(info) = systemInfo, case .bool(false)? = info["little_endian"] {
            throw WeightFileError.badHeader(file: path, detail: "written on a big-endian machine; only little-endian storages are supported")
        }
        var declared: [String: PickledStorage] = [:]
        let root: PickleValue
        (root, position) = try Unpickler.load(file.bytes, at: position, file: path) { pid, offset in
            // ('storage', storage_type, root_key, location, numel, view_metadata)
            guard case let .tuple(t) = pid, t.count == 6, case .string("storage") = t[0],
                  case let .string(key) = t[2], case let .int(count) = t[4], count >= 0 else {
                throw WeightFileError.badPickle(file: path, offset: offset, detail: "persistent id is not a storage reference")
            }
            var storage = PickledStorage(type: try storageType(t[1], key: key, file: path), key: key, count: count)
            if let known = declared[key], known.type != storage.type || known.count != count {
                throw WeightFileError.badStorage(file: path, key: key, detail: "referred to with two different types or sizes")
            }
            declared[key] = storage
            if case let .tuple(view) = t[5] {   // (view_key, offset, size): a view into the root storage
                guard view.count == 3, case let .int(viewOffset) = view[1], case let .int(viewCount) = view[2],
                      viewOffset >= 0, viewCount >= 0, viewOffset <= count, viewCount <= count - viewOffset else {
                    throw WeightFileError.badPickle(file: path, offset: offset, detail: "bad view of storage '\(key)'")
                }
                storage.view = viewOffset..<viewOffset + viewCount
            }
            return .storage(storage)
        }
        let keyList: PickleValue
        (keyList, position) = try Unpickler.load(file.bytes, at: position, file: path, persistentLoad: refuse)
        guard case let .list(keys) = keyList else {
            throw WeightFileError.badHeader(file: path, detail: "the storage key list is \(keyList.kind), not a list")
        }
        // Each storage: element count (8 bytes, little-endian), then the elements.
        var storages: [String: UnsafeRawBufferPointer] = [:]
        for item in keys.items {
            guard case let .string(key) = item else { throw WeightFileError.badHeader(file: path, detail: "a storage key is \(item.kind)") }
            guard let storage = declared[key] else {
                throw WeightFileError.badStorage(file: path, key: key, detail: "listed but never referred to")
            }
            let count = try file.slice(position, 8, "the size of storage '\(key)'").littleEndian(0, as: UInt64.self)
            guard count == storage.count else {
                throw WeightFileError.badStorage(file: path, key: key, detail: "the file holds \(count) elements but the pickle says \(storage.count)")
            }
            let (bytes, overflow) = storage.count.multipliedReportingOverflow(by: storage.type.size)
            guard !overflow else { throw WeightFileError.badStorage(file: path, key: key, detail: "\(count) elements is too many") }
            storages[key] = try file.slice(position + 8, bytes, "storage '\(key)' (\(count) elements of \(storage.type.size) bytes)")
            position += 8 + bytes
        }
        return try stateDict(root, file: path) { storage in
            guard let data = storages[storage.key] else { throw WeightFileError.storageMissing(file: path, key: storage.key) }
            let view = storage.view ?? 0..<storage.count
            return UnsafeRawBufferPointer(rebasing: data[view.lowerBound * storage.type.size..<view.upperBound * storage.type.size])
        }
    }

    // MARK: Shared

    /// The element type of a storage class named in a persistent id.
    private static func storageType(_ v: PickleValue, key: String, file: String) throws -> ElementType {
        guard case let .global(module, name) = v else {
            throw WeightFileError.unknownStorageType(file: file, name: v.kind, key: key)
        }
        guard let type = ElementType(storageClass: name) else {
            throw WeightFileError.unknownStorageType(file: file, name: "\(module).\(name)", key: key)
        }
        return type
    }

    /// The state dict inside the unpickled `root`, with tensors materialised from the
    /// storages that `storageBytes` returns (exactly the storage's, or its view's, bytes).
    private static func stateDict(_ root: PickleValue, file: String,
                                  storageBytes: (PickledStorage) throws -> UnsafeRawBufferPointer) throws -> [(String, Tensor)] {
        guard case var .dict(dict) = root else {
            throw WeightFileError.unknownFormat(file: file, detail: "the checkpoint holds \(root.kind), not a state dict")
        }
        unwrapping: while true {
            for wrapper in ["state_dict", "model_state_dict", "model"] {
                if case let .dict(inner)? = dict[wrapper] {
                    dict = inner
                    continue unwrapping
                }
            }
            break
        }
        var entries: [(String, Tensor)] = []
        for (k, v) in dict.entries {
            guard case let .string(key) = k else {
                throw WeightFileError.badTensor(file: file, key: describe(k), detail: "state-dict keys must be strings")
            }
            guard case let .tensor(t) = v else {
                throw WeightFileError.badTensor(file: file, key: key, detail: "is \(v.kind), not a tensor")
            }
            let bytes = try storageBytes(t.storage)
            if let problem = t.layout.problem(storageCount: bytes.count / t.storage.type.size)
                ?? unsupportedShape(t.layout.shape, t.storage.type) {
                throw WeightFileError.badTensor(file: file, key: key, detail: problem + " (storage '\(t.storage.key)')")
            }
            entries.append((key, makeTensor(bytes, type: t.storage.type, layout: t.layout)))
        }
        let prefix = "module."
        if !entries.isEmpty && entries.allSatisfy({ $0.0.hasPrefix(prefix) }) {
            entries = entries.map { (String($0.0.dropFirst(prefix.count)), $0.1) }
        }
        return entries
    }

    private static func describe(_ v: PickleValue) -> String {
        switch v {
        case let .int(i): return "\(i)"
        case let .string(s): return "'\(s)'"
        case let .bigInt(bytes): return "0x" + bytes.reversed().map { String(format2: $0) }.joined()
        default: return v.kind
        }
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = hex.count == 1 ? "0" + hex : hex
    }
}
