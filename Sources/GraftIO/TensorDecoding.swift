import GraftCore

/// An element type found in weight files, and how it becomes a Graft tensor: floating types
/// become float32 (half and bfloat16 exactly, double rounded to nearest), int64 stays int64
/// and int32 stays int32.
enum ElementType: Equatable {
    case float32, float16, bfloat16, float64, int64, int32

    /// Bytes per element in the file.
    var size: Int {
        switch self {
        case .float16, .bfloat16: return 2
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// The safetensors dtype name.
    var safetensorsName: String {
        switch self {
        case .float32: return "F32"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float64: return "F64"
        case .int64: return "I64"
        case .int32: return "I32"
        }
    }

    init?(safetensorsName: String) {
        switch safetensorsName {
        case "F32": self = .float32
        case "F16": self = .float16
        case "BF16": self = .bfloat16
        case "F64": self = .float64
        case "I64": self = .int64
        case "I32": self = .int32
        default: return nil
        }
    }

    /// The element type of a legacy typed storage class (`FloatStorage`, …).
    init?(storageClass: String) {
        switch storageClass {
        case "FloatStorage": self = .float32
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "DoubleStorage": self = .float64
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        default: return nil
        }
    }
}

/// The float32 value of an IEEE half-precision bit pattern (exact; NaN payloads kept).
func floatFromHalf(_ h: UInt16) -> Float {
    let sign: UInt32 = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1f
    let mantissa = UInt32(h & 0x3ff)
    if exponent == 0x1f { return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13) }
    if exponent == 0 {
        let magnitude = Float(mantissa) * 0x1p-24   // subnormal or zero, exact
        return sign == 0 ? magnitude : -magnitude
    }
    return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// The float32 value of a bfloat16 bit pattern (exact: bfloat16 is float32's upper half).
func floatFromBFloat16(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

/// Where the elements of a tensor lie in a block of file bytes: PyTorch's view description
/// (offset and strides in elements), or a plain row-major block.
struct ElementLayout {
    var shape: [Int]
    var strides: [Int]
    var offset: Int

    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s = s &* shape[i]
        }
        return strides
    }

    static func rowMajor(_ shape: [Int]) -> ElementLayout {
        ElementLayout(shape: shape, strides: rowMajorStrides(shape), offset: 0)
    }

    /// Number of elements, or nil when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = p
        }
        return n
    }

    /// Whether the elements are consecutive in row-major order (strides of size-1
    /// dimensions do not matter).
    var isContiguous: Bool {
        let expected = ElementLayout.rowMajorStrides(shape)
        return zip(shape.indices, expected).allSatisfy { i, e in shape[i] == 1 || strides[i] == e }
    }

    /// Checks that every element lies inside a storage of `storageCount` elements; returns
    /// a description of the problem otherwise.
    func problem(storageCount: Int) -> String? {
        guard strides.count == shape.count else {
            return "\(shape.count) dimensions but \(strides.count) strides"
        }
        guard offset >= 0, strides.allSatisfy({ $0 >= 0 }) else {
            return "negative offset or stride (offset \(offset), strides \(strides))"
        }
        guard let count = ElementLayout.elementCount(shape) else { return "invalid shape \(shapeString(shape))" }
        guard count > 0 else { return offset <= storageCount ? nil : "offset \(offset) beyond a storage of \(storageCount) elements" }
        var last = offset
        for (d, s) in zip(shape, strides) {
            let (step, o1) = (d - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2 else { return "view overflows (shape \(shapeString(shape)), strides \(strides))" }
            last = sum
        }
        guard last < storageCount else {
            return "view (offset \(offset), shape \(shapeString(shape)), strides \(strides)) reaches element \(last) "
                + "of a storage of \(storageCount) elements"
        }
        return nil
    }

    /// Calls `body(i, j)` for each element in row-major order: `i` its index in the result,
    /// `j` its index in the storage.
    func forEachElement(_ body: (Int, Int) -> Void) {
        let count = ElementLayout.elementCount(shape) ?? 0
        guard count > 0 else { return }
        if isContiguous {
            for i in 0..<count { body(i, offset + i) }
            return
        }
        var index = [Int](repeating: 0, count: shape.count)
        var j = offset
        for i in 0..<count {
            body(i, j)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                j += strides[d]
                if index[d] < shape[d] { break }
                j -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// The most elements a tensor read from a file may have (8 GiB of float32), so that a
/// hostile stride-0 view cannot ask for an unbounded allocation.
let maxTensorElements = 1 << 31

/// Why Graft cannot hold a tensor of `type` and `shape` (nil when it can): oneDNN's plain
/// layouts have at most 6 dimensions, and the element count is bounded.
func unsupportedShape(_ shape: [Int], _ type: ElementType) -> String? {
    if type != .int64 && shape.count > 6 {
        return "\(shape.count) dimensions; Graft's float and int32 tensors have at most 6"
    }
    guard let count = ElementLayout.elementCount(shape), count <= maxTensorElements else {
        return "shape \(shapeString(shape)) has more than \(maxTensorElements) elements"
    }
    return nil
}

/// Builds a Graft tensor from elements of `type` in `bytes`, laid out as `layout` says
/// (the caller has checked that the layout stays inside `bytes` and that the shape is
/// supported, `unsupportedShape`). Zero-dimensional float
/// and int32 tensors become shape `[1]`, Graft's scalars; int64 keeps shape `[]`.
func makeTensor(_ bytes: UnsafeRawBufferPointer, type: ElementType, layout: ElementLayout) -> Tensor {
    let shape = layout.shape.isEmpty && type != .int64 ? [1] : layout.shape
    let count = ElementLayout.elementCount(shape) ?? 0
    let size = type.size
    func load<T: FixedWidthInteger>(_ j: Int, _: T.Type) -> T { bytes.littleEndian(j * size, as: T.self) }
    switch type {
    case .int64:
        var values = [Int64](repeating: 0, count: count)
        layout.forEachElement { i, j in values[i] = load(j, Int64.self) }
        return Tensor(int64: values, shape: shape)
    case .int32:
        guard count > 0 else { return Tensor(uninitialized: shape, dtype: .int32) }
        var values = [Int](repeating: 0, count: count)
        layout.forEachElement { i, j in values[i] = Int(load(j, Int32.self)) }
        return try! Tensor(labels: values).reshaped(shape)
    case .float32, .float16, .bfloat16, .float64:
        let tensor = Tensor(uninitialized: shape)
        tensor.withUnsafeMutableFloats { out in
            switch type {
            case .float32 where layout.isContiguous && count > 0:
                UnsafeMutableRawPointer(out.baseAddress!).copyMemory(
                    from: bytes.baseAddress! + layout.offset * 4, byteCount: count * 4)
            case .float32:
                layout.forEachElement { i, j in out[i] = Float(bitPattern: load(j, UInt32.self)) }
            case .float16:
                layout.forEachElement { i, j in out[i] = floatFromHalf(load(j, UInt16.self)) }
            case .bfloat16:
                layout.forEachElement { i, j in out[i] = floatFromBFloat16(load(j, UInt16.self)) }
            default:
                layout.forEachElement { i, j in out[i] = Float(Double(bitPattern: load(j, UInt64.self))) }
            }
        }
        return tensor
    }
}
