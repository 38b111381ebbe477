import GraftCore

/// What `exportWeights` wrote.
public struct WeightExport: Sendable {
    /// The file read.
    public var source: String
    /// The weight file written.
    public var output: String
    /// Its format.
    public var format: WeightFormat
    /// Tensors written.
    public var tensors: Int
    /// Elements of all tensors together.
    public var values: Int
    /// The metadata file written next to a PyTorch output (nil when there was none to write).
    public var metadataFile: String?

    /// The summary as one JSON object.
    public var json: String {
        JSONValue.object([
            ("source", .string(source)), ("output", .string(output)),
            ("format", .string(format == .safetensors ? "safetensors" : "pytorch")),
            ("tensors", .number(String(tensors))), ("values", .number(String(values))),
            ("metadata", metadataFile.map { .string($0) } ?? .null),
        ]).serialized
    }
}

/// Converts the weight file at `source` (any format `readWeights` reads) into `output`, in
/// the format `output`'s extension names (`.pth`/`.pt` or `.safetensors`, see
/// `WeightFormat.named(by:)`), atomically, keeping the tensors' names and order.
///
/// A safetensors source's metadata (architecture, class names, …) is kept in a safetensors
/// output's header; a PyTorch checkpoint has no place for it, so it goes next to the output
/// as `metadataFile(for:)` (`model.pth` → `model.json`): a JSON object of the metadata
/// strings, where a value that is itself a JSON array or object (a class-name list) is
/// embedded as JSON.
@discardableResult
public func exportWeights(from source: String, to output: String) throws -> WeightExport {
    guard let format = WeightFormat.named(by: output) else {
        throw WeightFileError.unknownFormat(file: output, detail: "cannot tell the output format from the name; use .pth, .pt or .safetensors")
    }
    let file = try MappedFile(source)
    let tensors: [(String, Tensor)]
    var metadata: [String: String] = [:]
    if try WeightFormat.detect(file) == .safetensors {
        let contents = try SafeTensors.read(file)
        tensors = contents.tensors
        metadata = contents.metadata
    } else {
        tensors = try readWeights(source)
    }
    var summary = WeightExport(source: source, output: output, format: format, tensors: tensors.count,
                               values: tensors.reduce(0) { $0 + $1.1.count })
    if format == .safetensors {
        try SafeTensors.write(tensors, metadata: metadata, to: output)
    } else {
        try PyTorchCheckpoint.write(tensors, to: output)
        if !metadata.isEmpty {
            let sidecar = metadataFile(for: output)
            try AtomicFileWriter.write(Array(metadataJSON(metadata).utf8), to: sidecar)
            summary.metadataFile = sidecar
        }
    }
    return summary
}

/// Where `exportWeights` puts the metadata of a PyTorch output: the same name with the
/// extension `.json` (`runs/model.pth` → `runs/model.json`).
public func metadataFile(for output: String) -> String {
    let slash = output.lastIndex(of: "/").map { output.index(after: $0) } ?? output.startIndex
    guard let dot = output[slash...].lastIndex(of: "."), dot != slash else { return output + ".json" }
    return output[..<dot] + ".json"
}

/// The metadata as a JSON object with sorted keys, one member per line.
func metadataJSON(_ metadata: [String: String]) -> String {
    let members = metadata.sorted { $0.key < $1.key }.map { key, value -> String in
        var embedded = JSONValue.string(value)
        if let first = value.utf8.first(where: { !" \t\r\n".utf8.contains($0) }), first == UInt8(ascii: "[") || first == UInt8(ascii: "{"),
           let parsed = try? Array(value.utf8).withUnsafeBytes({ try JSONParser.parse($0) }) {
            embedded = parsed
        }
        return "  " + JSONValue.quote(key) + ": " + embedded.serialized
    }
    return "{\n" + members.joined(separator: ",\n") + "\n}\n"
}
