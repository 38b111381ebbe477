import CDNNL

/// Thin Swift helpers over oneDNN's C API: status checks, dims tuples and memory descriptors.
enum DNNL {
    static func check(_ status: dnnl_status_t, _ op: @autoclosure () -> String) throws {
        guard status == dnnl_success else {
            throw GraftError.engine(op: op(), status: statusName(status))
        }
    }

    static func statusName(_ status: dnnl_status_t) -> String {
        switch status {
        case dnnl_out_of_memory: return "out_of_memory"
        case dnnl_invalid_arguments: return "invalid_arguments"
        case dnnl_unimplemented: return "unimplemented"
        case dnnl_iterator_ends: return "iterator_ends"
        case dnnl_runtime_error: return "runtime_error"
        case dnnl_not_required: return "not_required"
        default: return "status \(status.rawValue)"
        }
    }

    /// `values` as the `dnnl_dims_t` array a C function reads (12 entries). Pass the array
    /// itself, never `&tuple.0`: Swift may hand C a pointer to a lone temporary element.
    static func dims(_ values: [Int]) -> [Int64] {
        precondition(values.count <= Int(DNNL_MAX_NDIMS), "at most \(DNNL_MAX_NDIMS) dimensions")
        return values.map(Int64.init) + [Int64](repeating: 0, count: Int(DNNL_MAX_NDIMS) - values.count)
    }

    static func array(_ d: dnnl_dims_t, count: Int) -> [Int] {
        withUnsafeBytes(of: d) { raw in
            let p = raw.bindMemory(to: Int64.self)
            return (0..<count).map { Int(p[$0]) }
        }
    }

    static func plainTag(rank: Int) -> dnnl_format_tag_t {
        switch rank {
        case 1: return dnnl_a
        case 2: return dnnl_ab
        case 3: return dnnl_abc
        case 4: return dnnl_abcd
        case 5: return dnnl_abcde
        default: return dnnl_abcdef
        }
    }

    /// A row-major memory descriptor.
    static func plainDesc(_ shape: [Int], _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let status = dnnl_memory_desc_init_by_tag(&md, Int32(shape.count), dims(shape), type, plainTag(rank: shape.count))
        precondition(status == dnnl_success, "plain memory descriptor for \(shape)")
        return md
    }

    /// A descriptor that lets a primitive choose its layout.
    static func anyDesc(_ shape: [Int], _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let status = dnnl_memory_desc_init_by_tag(&md, Int32(shape.count), dims(shape), type, dnnl_format_tag_any)
        precondition(status == dnnl_success, "any memory descriptor for \(shape)")
        return md
    }

    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var a = a, b = b
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    static func byteSize(_ md: dnnl_memory_desc_t) -> Int {
        var md = md
        return Int(dnnl_memory_desc_get_size(&md))
    }

    /// The descriptor of one argument of a primitive descriptor (`dnnl_query_src_md`, …).
    static func queryDesc(_ pd: OpaquePointer, _ what: dnnl_query_t, _ index: Int32 = 0) -> dnnl_memory_desc_t {
        guard let p = dnnl_primitive_desc_query_md(pd, what, index) else { return dnnl_memory_desc_t() }
        return p.pointee
    }

    /// A hashable summary of a descriptor's layout: everything that decides a primitive.
    static func layoutKey(_ md: dnnl_memory_desc_t) -> [Int] {
        let n = Int(md.ndims)
        var key = [Int(md.data_type.rawValue), Int(md.format_kind.rawValue), n, Int(md.offset0)]
        key += array(md.dims, count: n)
        key += array(md.padded_dims, count: n)
        if md.format_kind == dnnl_blocked {
            let b = md.format_desc.blocking
            key += array(b.strides, count: n)
            let nb = Int(b.inner_nblks)
            key.append(nb)
            key += array(b.inner_blks, count: nb)
            key += array(b.inner_idxs, count: nb)
        }
        return key
    }
}

/// Passes a pointer to `value` when `present`, else nil (for optional C arguments such as a bias).
func withOptionalPointer<T, R>(to value: inout T, if present: Bool, _ body: (UnsafeMutablePointer<T>?) throws -> R) rethrows -> R {
    if present { return try withUnsafeMutablePointer(to: &value) { try body($0) } }
    return try body(nil)
}
