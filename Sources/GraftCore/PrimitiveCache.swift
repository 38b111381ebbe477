import CDNNL
import Foundation

/// What identifies a primitive: the operation and every number that decides it (shapes,
/// layouts, strides, algorithm, attributes). Equal keys give the same primitive.
struct PrimitiveKey: Hashable {
    let op: String
    var values: [Int] = []

    init(_ op: String) { self.op = op }

    mutating func add(_ v: Int) { values.append(v) }
    mutating func add(_ vs: [Int]) { values.append(vs.count); values += vs }
    mutating func add(_ md: dnnl_memory_desc_t) { add(DNNL.layoutKey(md)) }
    mutating func add(_ f: Float) { values.append(Int(f.bitPattern)) }
}

/// A oneDNN primitive descriptor with the primitive built from it (JIT-compiled once).
public final class Primitive {
    let kind: String
    let pd: OpaquePointer
    let primitive: OpaquePointer

    init(kind: String, pd: OpaquePointer) throws {
        self.kind = kind
        self.pd = pd
        var p: OpaquePointer?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let made = p else {
            dnnl_primitive_desc_destroy(pd)
            throw GraftError.engine(op: kind, status: DNNL.statusName(status))
        }
        primitive = made
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    /// The implementation oneDNN chose (`jit:uni`, `brgconv:avx512_core`, `ref:any`, …).
    var implementation: String {
        var name: UnsafePointer<CChar>?
        let status = withUnsafeMutablePointer(to: &name) { dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, $0) }
        guard status == dnnl_success, let name else { return "" }
        return String(cString: name)
    }

    /// The layout the primitive chose for one of its arguments.
    func desc(_ what: dnnl_query_t, _ index: Int32 = 0) -> dnnl_memory_desc_t {
        DNNL.queryDesc(pd, what, index)
    }
}

/// Primitives keyed by `PrimitiveKey`: creating a primitive descriptor runs oneDNN's
/// dispatcher and JIT, so every op looks here first.
final class PrimitiveCache {
    private var entries: [PrimitiveKey: Primitive] = [:]
    private let lock = NSLock()
    private(set) var hits = 0
    private(set) var misses = 0

    func primitive(_ key: PrimitiveKey, create: () throws -> OpaquePointer) throws -> Primitive {
        lock.lock()
        defer { lock.unlock() }
        if let p = entries[key] {
            hits += 1
            return p
        }
        misses += 1
        let p = try Primitive(kind: key.op, pd: create())
        entries[key] = p
        return p
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
