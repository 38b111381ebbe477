/// What is wrong with an ONNX file or an imported graph: the file, and a message naming the
/// node, tensor, attribute or field at fault.
public struct ONNXError: Error, CustomStringConvertible {
    public let file: String
    public let message: String

    public init(file: String, message: String) {
        self.file = file; self.message = message
    }

    public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
