import CDNNL
import Foundation

/// The oneDNN CPU engine and its stream, the primitive cache, and counters of executed
/// primitives (tests use them to prove that frozen layers cost no backward work).
public final class Engine {
    /// The process-wide engine.
    public static let shared = Engine()

    let engine: OpaquePointer
    let stream: OpaquePointer
    let cache = PrimitiveCache()
    /// The number format of convolutions and fully connected layers (`setPrecision(_:)`).
    public internal(set) var precision = ComputePrecision.float32
    private var counts: [String: Int] = [:]
    private let countLock = NSLock()

    private init() {
        var e: OpaquePointer?
        precondition(dnnl_engine_create(&e, dnnl_cpu, 0) == dnnl_success && e != nil, "oneDNN: no CPU engine")
        engine = e!
        var s: OpaquePointer?
        precondition(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue) == dnnl_success && s != nil,
                      "oneDNN: no stream")
        stream = s!
    }

    /// How many times each kind of primitive ran since the last `resetExecutionCounts()`,
    /// keyed by op name (`conv2d.backward_weights`, `linear.forward`, …).
    public var executionCounts: [String: Int] {
        countLock.lock()
        defer { countLock.unlock() }
        return counts
    }

    public func resetExecutionCounts() {
        countLock.lock()
        counts = [:]
        countLock.unlock()
    }

    /// Number of distinct primitives created so far.
    public var cachedPrimitiveCount: Int { cache.count }

    /// Cache hits and misses of the primitive cache.
    public var cacheStatistics: (hits: Int, misses: Int) { (cache.hits, cache.misses) }

    func primitive(_ key: PrimitiveKey, create: () throws -> OpaquePointer) throws -> Primitive {
        try cache.primitive(key, create: create)
    }

    /// Creates a primitive descriptor from an op descriptor.
    func makeDesc<D>(_ op: String, _ desc: inout D, attr: OpaquePointer? = nil, hint: OpaquePointer? = nil) throws -> OpaquePointer {
        var pd: OpaquePointer?
        let status = withUnsafePointer(to: &desc) { p in
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer(p), attr, engine, hint)
        }
        try DNNL.check(status, op)
        return pd!
    }

    /// Runs a primitive on tensors, by oneDNN argument index.
    func execute(_ p: Primitive, _ args: [(Int32, Tensor)]) throws {
        var execArgs = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.memory) }
        try DNNL.check(dnnl_primitive_execute(p.primitive, stream, Int32(execArgs.count), &execArgs), p.kind)
        countLock.lock()
        counts[p.kind, default: 0] += 1
        countLock.unlock()
    }

    func wait() {
        dnnl_stream_wait(stream)
    }
}
