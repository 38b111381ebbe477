import Foundation
import GraftCore

/// Reference data from torchvision for parity tests, made at test time by
/// `Tests/Fixtures/torch_reference.py` with Debian's `/usr/bin/python3` (which `make test`
/// provides with `python3-torchvision`): a model's state dict as torchvision initialises it,
/// an input batch, its eval-mode logits and, optionally, the weights after one SGD step.
public struct TorchReference {
    /// State-dict keys, shapes and dtypes in torchvision's order.
    public let keys: [(name: String, shape: [Int], dtype: String)]
    /// The state dict (float tensors from the raw dump; int64 counters as zeros).
    public let stateDict: [(String, Tensor)]
    /// The float tensors after one SGD step in train mode (with `trainStep`).
    public let trained: [(String, Tensor)]?
    public let input: Tensor
    public let logits: [Float]
    public let logitsShape: [Int]
    /// The training loss of the SGD step (with `trainStep`).
    public let loss: Float?
    /// `torch.save(model.state_dict())`, zip format.
    public let pthPath: String
    /// The directory holding the files; removed by `cleanUp()`.
    public let directory: String

    /// Runs the reference script for `model` and reads what it wrote; `options` are more of the
    /// script's flags (`--random-layer-scale`).
    public static func generate(model: String, batch: Int = 2, size: Int = 224, classes: Int = 1000,
                                trainStep: Bool = false, options: [String] = []) throws -> TorchReference {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graft-ref-\(UUID().uuidString)").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/torch_reference.py").path
        var arguments = [script, "--model", model, "--out", directory, "--batch", "\(batch)", "--size", "\(size)",
                         "--classes", "\(classes)"]
        if trainStep { arguments.append("--train-step") }
        arguments += options
        try runPython(arguments)
        return try TorchReference(directory: directory, model: model)
    }

    init(directory: String, model: String) throws {
        self.directory = directory
        let base = directory + "/" + model
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as! [String: Any]
        keys = (meta["keys"] as! [[Any]]).map { ($0[0] as! String, $0[1] as! [Int], $0[2] as! String) }
        stateDict = try TorchReference.tensors(base + ".weights.bin", keys: keys)
        trained = FileManager.default.fileExists(atPath: base + ".trained.bin")
            ? try TorchReference.tensors(base + ".trained.bin", keys: keys) : nil
        let inputShape = meta["input_shape"] as! [Int]
        input = Tensor(shape: inputShape, data: try TorchReference.floats(base + ".input.bin"))
        logits = try TorchReference.floats(base + ".logits.bin")
        logitsShape = meta["logits_shape"] as! [Int]
        loss = (meta["loss"] as? Double).map(Float.init)
        pthPath = base + ".pth"
    }

    /// The float tensors of a raw dump in key order; int64 counters become zeros.
    public static func tensors(_ file: String, keys: [(name: String, shape: [Int], dtype: String)]) throws -> [(String, Tensor)] {
        let values = try floats(file)
        var offset = 0
        var out: [(String, Tensor)] = []
        for key in keys {
            if key.dtype.hasPrefix("float") {
                let n = key.shape.reduce(1, *)
                guard offset + n <= values.count else { throw ReferenceError("\(file) is too short for \(key.name)") }
                out.append((key.name, Tensor(shape: key.shape, data: Array(values[offset..<offset + n]))))
                offset += n
            } else {
                out.append((key.name, Tensor(int64: [0], shape: key.shape)))
            }
        }
        guard offset == values.count else { throw ReferenceError("\(file): \(values.count - offset) floats left over") }
        return out
    }

    /// A raw little-endian float32 file.
    public static func floats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Deletes the reference files.
    public func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Runs Debian's `/usr/bin/python3` (which has torch and torchvision), or `python`, with `arguments`,
/// feeding it `input` on standard input; a non-zero exit throws with what it printed on
/// standard error. Returns its standard output.
@discardableResult
public func runPython(_ arguments: [String], input: Data? = nil, python: String = "/usr/bin/python3") throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    let stdin = Pipe(), out = Pipe(), err = Pipe()
    process.standardInput = stdin
    process.standardOutput = out
    process.standardError = err
    try process.run()
    if let input { stdin.fileHandleForWriting.write(input) }
    try stdin.fileHandleForWriting.close()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ReferenceError("python3 \(arguments.prefix(1).joined()) failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return output
}

public struct ReferenceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The largest |a − b| relative to max |b|: the parity measure of the zoo tests.
public func maxRelativeDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    let scale = b.map(abs).max() ?? 1
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / max(scale, .leastNormalMagnitude) } ?? 0
}
