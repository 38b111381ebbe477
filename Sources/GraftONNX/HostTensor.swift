/// A small tensor held in Swift arrays, not in the engine: an initializer as read from a file,
/// a constant, or a shape computed from shapes (ONNX's Shape → Gather → Concat → Reshape
/// arithmetic), evaluated on the CPU while a graph is imported or run.
public struct HostTensor: Equatable, Sendable, Codable {
    /// The elements, row-major: floating point (float, float16, bfloat16, double, read as Float)
    /// or integer (int64, int32, int8, uint8, bool, read as Int64).
    public enum Elements: Equatable, Sendable, Codable {
        case float([Float])
        case int([Int64])
    }

    public var shape: [Int]
    public var elements: Elements

    /// The number of elements.
    var count: Int {
        switch elements {
        case .float(let v): return v.count
        case .int(let v): return v.count
        }
    }

    /// Whether the elements are floating point.
    var isFloat: Bool { if case .float = elements { return true }; return false }
}
