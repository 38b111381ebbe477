import GraftCore

extension PyTorchCheckpoint {
    /// The folder that holds the archive's entries (torch ≥ 2 uses the same name; readers
    /// take it from the first entry).
    static let archiveFolder = "archive"

    /// Writes `tensors` as a state dict in `torch.save`'s zip format (torch ≥ 1.6), so that
    /// `torch.load(path, weights_only=True)` and `load_state_dict` accept it: an
    /// `OrderedDict` of contiguous CPU tensors in the given order, each with its own storage
    /// (float32 → `torch.FloatStorage`, int64 → `torch.LongStorage`, int32 →
    /// `torch.IntStorage`, little-endian). Graft's float scalars (shape `[1]`) stay `[1]`;
    /// int64 scalars keep shape `[]`. Names must be unique and non-empty. The write is
    /// atomic: a failure leaves no file (and any old file at `path` untouched).
    public static func write(_ tensors: [(String, Tensor)], to path: String) throws {
        try write(tensors, to: path, zip64Threshold: 0xffff_ffff)
    }

    /// `write(_:to:)` with zip64 form for sizes and offsets from `zip64Threshold` on.
    static func write(_ tensors: [(String, Tensor)], to path: String, zip64Threshold: Int) throws {
        var seen = Set<String>()
        for (name, _) in tensors where name.isEmpty || !seen.insert(name).inserted {
            throw WeightFileError.badTensor(file: path, key: name, detail: "state-dict keys must be unique and non-empty")
        }
        let folder = archiveFolder + "/"
        let zip = try ZipWriter(path, zip64Threshold: zip64Threshold)
        try PickleWriter.pickle(stateDictPickle(tensors)).withUnsafeBytes { try zip.add(folder + "data.pkl", $0) }
        try Array("little".utf8).withUnsafeBytes { try zip.add(folder + "byteorder", $0) }
        for (index, (_, tensor)) in tensors.enumerated() {
            try withElementBytes(tensor) { try zip.add(folder + "data/\(index)", $0) }
        }
        try Array("3\n".utf8).withUnsafeBytes { try zip.add(folder + "version", $0) }
        try zip.finish()
    }

    /// `OrderedDict(name: _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()))`
    /// with storage `i` persisted as `("storage", torch.<Type>Storage, "i", "cpu", numel)`.
    private static func stateDictPickle(_ tensors: [(String, Tensor)]) -> PickleWriter.Value {
        .orderedDict(tensors.enumerated().map { index, entry in
            let (name, tensor) = entry
            let storage = PickleWriter.Value.tuple([
                .string("storage"), .global(module: "torch", name: storageClass(tensor.dtype)),
                .string(String(index)), .string("cpu"), .int(tensor.count),
            ])
            let rebuilt = PickleWriter.Value.call(.global(module: "torch._utils", name: "_rebuild_tensor_v2"), [
                .persistent(storage), .int(0), .tuple(tensor.shape.map { .int($0) }),
                .tuple(contiguousStrides(tensor.shape).map { .int($0) }), .bool(false), .orderedDict([]),
            ])
            return (name, rebuilt)
        })
    }

    private static func storageClass(_ dtype: DType) -> String {
        switch dtype {
        case .float32: return "FloatStorage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        }
    }

    /// The strides torch gives a contiguous tensor (a size-0 dimension counts as 1).
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[i] = strides[i + 1] * max(shape[i + 1], 1)
        }
        return strides
    }

    /// Calls `body` with the tensor's elements in row-major order as little-endian bytes.
    private static func withElementBytes(_ tensor: Tensor, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch tensor.dtype {
        case .float32: try tensor.toArray().withUnsafeBytes(body)
        case .int64: try tensor.int64Values.withUnsafeBytes(body)
        case .int32: try tensor.labels.map { Int32($0) }.withUnsafeBytes(body)
        }
    }
}
