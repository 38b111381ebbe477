import GraftModels

/// ONNX files as zoo entries: `--model mynet.onnx` imports the file and registers it under
/// that name, so that training, checkpoints, prediction and inspection find it like any model.
public enum ONNXModels {
    /// Whether a model name is the path of an ONNX file.
    public static func isONNXPath(_ name: String) -> Bool { name.lowercased().hasSuffix(".onnx") }

    /// Imports the ONNX file at `path` and registers it in the zoo under `path` (in place of
    /// an earlier import of it), with the file's weights and the preprocessing the options or
    /// the file give.
    @discardableResult
    public static func register(_ path: String, options: ONNXImportOptions = ONNXImportOptions()) throws -> ModelSpec {
        let network = try ImportedNetwork(contentsOf: path, options: options)
        let spec = try network.spec(name: path, preprocessing: network.preprocessing, source: path)
        try ModelZoo.register(spec, replacing: true)
        return spec
    }
}
