import GraftCore
import GraftNN

/// The weight-file formats Graft reads.
public enum WeightFormat: Sendable {
    /// safetensors.
    case safetensors
    /// `torch.save`'s zip format (torch ≥ 1.6).
    case pytorchZip
    /// `torch.save`'s legacy format (`_use_new_zipfile_serialization=False`).
    case pytorchLegacy

    /// The format of the file at `path`, judged by its content (not its name).
    public static func detect(_ path: String) throws -> WeightFormat {
        try detect(MappedFile(path))
    }

    static func detect(_ file: MappedFile) throws -> WeightFormat {
        let b = file.bytes
        if ZipArchive.isZip(b) { return .pytorchZip }
        if PyTorchCheckpoint.startsWithMagicNumber(b) { return .pytorchLegacy }
        if SafeTensors.startsWithHeader(b) { return .safetensors }
        throw WeightFileError.unknownFormat(
            file: file.path, detail: "neither safetensors, a PyTorch zip nor a legacy PyTorch file (\(describeContent(b)))")
    }
}

/// The tensors of a weight file of any supported format, in file order.
public func readWeights(_ path: String) throws -> [(String, Tensor)] {
    let file = try MappedFile(path)
    switch try WeightFormat.detect(file) {
    case .safetensors: return try SafeTensors.read(file).tensors
    case .pytorchZip: return try PyTorchCheckpoint.readZip(file)
    case .pytorchLegacy: return try PyTorchCheckpoint.readLegacy(file)
    }
}

/// Loads the weight file at `path` (safetensors, or a PyTorch checkpoint in either format,
/// chosen by content) into `model`'s parameters and buffers, matched by state-dict key.
///
/// Strict mode throws `WeightFileError.incompatible`, naming every missing key, unexpected
/// key and shape mismatch, and loads nothing. Otherwise it loads every entry that fits and
/// reports the rest. BatchNorm counters (`num_batches_tracked`) that the file lacks are set
/// to 0 and reported as `defaulted`, as PyTorch does for checkpoints from before the
/// counters existed (torchvision's published weights), even in strict mode.
@discardableResult
public func loadWeights(into model: Module, from path: String, strict: Bool = true) throws -> LoadReport {
    try loadWeights(into: model, entries: readWeights(path), strict: strict, source: path)
}

/// Loads `entries` (state-dict names) into `model` as `loadWeights(into:from:strict:)`
/// does; `source` names them in errors.
@discardableResult
public func loadWeights(into model: Module, entries: [(String, Tensor)], strict: Bool = true,
                        source: String = "weights") throws -> LoadReport {
    var report = LoadReport()
    var given: [String: Tensor] = [:]
    for (key, tensor) in entries { given[key] = tensor }
    let own = model.stateDict()
    let ownKeys = Set(own.map(\.0))
    var assignments: [(Tensor, Tensor)] = []
    for (key, target) in own {
        guard let value = given[key] else {
            if key.split(separator: ".").last == "num_batches_tracked" && target.dtype == .int64 && target.count == 1 {
                report.defaulted.append(key)
                assignments.append((target, Tensor(int64: [0], shape: target.shape)))
            } else {
                report.missing.append(key)
            }
            continue
        }
        guard value.shape == target.shape, value.dtype == target.dtype else {
            report.mismatched.append(.init(key: key, fileShape: value.shape, modelShape: target.shape,
                                           fileType: value.dtype, modelType: target.dtype))
            continue
        }
        report.loaded.append(key)
        assignments.append((target, value))
    }
    var reported = Set<String>()
    report.unexpected = entries.map(\.0).filter { !ownKeys.contains($0) && reported.insert($0).inserted }
    if strict && !report.isComplete {
        throw WeightFileError.incompatible(file: source, report: report)
    }
    for (target, value) in assignments { target.assign(value) }
    return report
}

/// Saves `model`'s state dict (torchvision's key names and order) at `path`, atomically, in
/// the format its extension names (`WeightFormat.forSaving`): `.pth` or `.pt` as
/// `torch.save`'s zip format, which has no place for `metadata` (it must be empty);
/// anything else as safetensors with `metadata` (architecture, class names,
/// preprocessing, …) in the header.
public func saveWeights(_ model: Module, to path: String, metadata: [String: String] = [:]) throws {
    try writeWeights(model.stateDict(), to: path, format: .forSaving(path), metadata: metadata)
}

/// Writes `tensors` (state-dict names, in order) at `path`, atomically, as `format`:
/// safetensors with `metadata` in the header, or `torch.save`'s zip format (`.pytorchZip`;
/// `metadata` must then be empty). The legacy PyTorch format is read, never written.
public func writeWeights(_ tensors: [(String, Tensor)], to path: String, format: WeightFormat,
                         metadata: [String: String] = [:]) throws {
    switch format {
    case .safetensors:
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    case .pytorchZip:
        guard metadata.isEmpty else {
            throw WeightFileError.unwritable(file: path, reason: "a PyTorch checkpoint has no place for metadata ("
                                             + metadata.keys.sorted().joined(separator: ", ") + "); write .safetensors instead")
        }
        try PyTorchCheckpoint.write(tensors, to: path)
    case .pytorchLegacy:
        throw WeightFileError.unwritable(file: path, reason: "Graft writes PyTorch checkpoints in the zip format only")
    }
}

extension WeightFormat {
    /// The format a file name asks for, by its extension (any case): `.safetensors` →
    /// `.safetensors`, `.pth` or `.pt` → `.pytorchZip`; nil for any other.
    public static func named(by path: String) -> WeightFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "safetensors": return .safetensors
        case "pth", "pt": return .pytorchZip
        default: return nil
        }
    }

    /// The format `saveWeights` writes at `path`: `named(by:)`, else safetensors.
    public static func forSaving(_ path: String) -> WeightFormat { named(by: path) ?? .safetensors }
}
