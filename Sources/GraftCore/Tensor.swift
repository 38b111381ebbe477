import CDNNL
import Foundation

/// Element types a tensor can hold: `float32` for data and parameters, `int32` for labels,
/// `int64` for bookkeeping values that files carry (BatchNorm's `num_batches_tracked`),
/// which never enter oneDNN.
public enum DType: Sendable {
    case float32
    case int32
    case int64

    var dnnl: dnnl_data_type_t {
        switch self {
        case .float32: return dnnl_f32
        case .int32: return dnnl_s32
        case .int64: preconditionFailure("int64 tensors do not enter oneDNN")
        }
    }

    /// Bytes per element.
    public var size: Int { self == .int64 ? 8 : 4 }
}

/// An n-dimensional array living in oneDNN memory. A reference type, like PyTorch's tensors:
/// ops return new tensors and, while gradients are recorded, remember how they were made.
///
/// The memory layout is an internal detail: a convolution's output may sit in a blocked
/// layout (nChw16c) that the next oneDNN op reads as it is. `toArray()` always returns
/// row-major (NCHW) values.
public final class Tensor {
    /// Logical dimensions, outermost first (N, C, H, W for images).
    public let shape: [Int]
    public let dtype: DType
    /// The physical layout.
    let desc: dnnl_memory_desc_t
    let storage: Storage
    private var memoryObject: dnnl_memory_t?

    var leafRequiresGrad = false
    /// How this tensor was computed, while gradients are recorded.
    var gradNode: GradNode?
    /// The accumulated gradient of a leaf tensor, in row-major layout, after `backward()`.
    public var grad: Tensor?
    /// Tensors derived from this one and what they were derived from (see `cachedDerived`).
    var derivedCache: (stamp: [Int], tensors: [Tensor])?

    /// Whether gradients flow to or through this tensor. Set it on leaves (parameters).
    public var requiresGrad: Bool {
        get { leafRequiresGrad || gradNode?.backward != nil }
        set { leafRequiresGrad = newValue }
    }

    /// Whether this tensor was made by a recorded op (as opposed to a leaf).
    public var isLeaf: Bool { gradNode?.backward == nil }

    init(shape: [Int], desc: dnnl_memory_desc_t, dtype: DType = .float32, storage: Storage? = nil) {
        self.shape = shape
        self.desc = desc
        self.dtype = dtype
        self.storage = storage ?? Storage(byteCount: dtype == .int64 ? shape.reduce(1, *) * 8 : DNNL.byteSize(desc))
    }

    deinit {
        if let m = memoryObject { dnnl_memory_destroy(m) }
    }

    /// The oneDNN memory object over this tensor's storage.
    var memory: dnnl_memory_t {
        precondition(dtype != .int64, "int64 tensors do not enter oneDNN")
        if let m = memoryObject { return m }
        var m: dnnl_memory_t?
        var md = desc
        let status = dnnl_memory_create(&m, &md, Engine.shared.engine, storage.pointer)
        precondition(status == dnnl_success && m != nil, "oneDNN memory for \(shapeString(shape))")
        memoryObject = m
        return m!
    }

    // MARK: Creation

    /// An uninitialised row-major tensor.
    public convenience init(uninitialized shape: [Int], dtype: DType = .float32) {
        self.init(shape: shape, desc: dtype == .int64 ? dnnl_memory_desc_t() : DNNL.plainDesc(shape, dtype.dnnl), dtype: dtype)
    }

    /// A row-major float tensor holding `data`; `data.count` must be the product of `shape`.
    public convenience init(shape: [Int], data: [Float]) {
        precondition(data.count == shape.reduce(1, *),
                     "Tensor: \(data.count) values do not fill shape \(shapeString(shape))")
        self.init(uninitialized: shape)
        data.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// A float tensor of the given shape with every element equal to `value`.
    public convenience init(repeating value: Float, shape: [Int]) {
        self.init(uninitialized: shape)
        let p = storage.pointer.bindMemory(to: Float.self, capacity: count)
        p.update(repeating: value, count: count)
    }

    /// A float tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A float tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A 1-D int32 tensor of class labels.
    public convenience init(labels: [Int]) {
        self.init(uninitialized: [labels.count], dtype: .int32)
        let p = storage.pointer.bindMemory(to: Int32.self, capacity: labels.count)
        for (i, l) in labels.enumerated() { p[i] = Int32(l) }
    }

    /// A scalar (shape `[]` is represented as `[1]`).
    public convenience init(scalar: Float) { self.init(shape: [1], data: [scalar]) }

    /// An int64 tensor (shape `[]` for a scalar, as PyTorch's counters).
    public convenience init(int64 values: [Int64], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values do not fill \(shapeString(shape))")
        self.init(uninitialized: shape, dtype: .int64)
        values.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    // MARK: Reading

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Whether the data is laid out row-major with no blocking.
    public var isRowMajor: Bool { dtype == .int64 || DNNL.equal(desc, DNNL.plainDesc(shape, dtype.dnnl)) }

    /// Bytes the data occupies.
    var byteCount: Int { dtype == .int64 ? count * 8 : DNNL.byteSize(desc) }

    /// The elements in row-major order.
    public func toArray() -> [Float] {
        precondition(dtype == .float32, "toArray() reads float tensors; use labels for int32")
        let plain = rowMajor()
        Engine.shared.wait()
        let p = plain.storage.pointer.bindMemory(to: Float.self, capacity: count)
        return Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// The elements of an int64 tensor.
    public var int64Values: [Int64] {
        precondition(dtype == .int64, "int64Values reads int64 tensors")
        let p = storage.pointer.bindMemory(to: Int64.self, capacity: count)
        return Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// The elements of an int32 tensor.
    public var labels: [Int] {
        precondition(dtype == .int32, "labels reads int32 tensors")
        let p = storage.pointer.bindMemory(to: Int32.self, capacity: count)
        return (0..<count).map { Int(p[$0]) }
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, not \(shapeString(shape))")
        return toArray()[0]
    }

    /// Direct access to the elements of a row-major float tensor, in place (for Swift-side
    /// kernels such as optimizers). Call it on `rowMajor()` when the layout may be blocked.
    public func withUnsafeMutableFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .float32 && isRowMajor, "withUnsafeMutableFloats needs a row-major float tensor")
        Engine.shared.wait()
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.pointer.bindMemory(to: Float.self, capacity: count), count: count))
    }

    /// A tensor sharing this one's data and layout but no autodiff history.
    public func detached() -> Tensor {
        Tensor(shape: shape, desc: desc, dtype: dtype, storage: storage)
    }

    /// A new tensor with its own copy of this one's data and layout, and no autodiff history.
    public func copy() -> Tensor {
        let out = Tensor(shape: shape, desc: desc, dtype: dtype)
        Engine.shared.wait()
        out.storage.pointer.copyMemory(from: storage.pointer, byteCount: byteCount)
        return out
    }

    /// Copies `other`'s values into this tensor's storage in place (same shape), leaving
    /// the autodiff history alone. Used by optimizers and weight loading.
    public func assign(_ other: Tensor) {
        precondition(other.shape == shape && (other.dtype == .int64) == (dtype == .int64),
                     "assign: \(other.dtype) \(shapeString(other.shape)) into \(dtype) \(shapeString(shape))")
        let src = dtype == .int64 ? other : other.converted(to: desc)
        Engine.shared.wait()
        storage.version &+= 1
        storage.pointer.copyMemory(from: src.storage.pointer, byteCount: byteCount)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values: [String]
        switch dtype {
        case .float32: values = toArray().prefix(8).map { "\($0)" }
        case .int32: values = labels.prefix(8).map { "\($0)" }
        case .int64: values = int64Values.prefix(8).map { "\($0)" }
        }
        return "Tensor(\(shapeString(shape)), [\(values.joined(separator: ", "))\(count > 8 ? ", …" : "")])"
    }
}
