import CDNNL

/// Copies `from` into `to` (same logical shape, any layouts, windows of larger tensors
/// included) with a oneDNN reorder cached under `op` and both descriptors, without autodiff.
/// Each value is multiplied by `scales` on the way (one for all, or one per index of the
/// dimensions `mask` names, as oneDNN's output scales), and rounded and saturated when `to`
/// holds integers.
func copyReordering(_ from: Tensor, into to: Tensor, scales: [Float] = [1], mask: Int32 = 0, op: String) throws {
    var key = PrimitiveKey(op)
    key.add(from.desc); key.add(to.desc)
    let scaled = scales != [1]
    if scaled { key.add(Int(mask)); key.add(scales.map { Int($0.bitPattern) }) }
    let (s, d) = (from.desc, to.desc)
    let p = try Engine.shared.primitive(key) {
        var pd: OpaquePointer?, attr: OpaquePointer?
        var (src, dst) = (s, d)
        if scaled {
            try DNNL.check(dnnl_primitive_attr_create(&attr), op)
            try DNNL.check(dnnl_primitive_attr_set_output_scales(attr, Int64(scales.count), mask, scales), op)
        }
        defer { if attr != nil { dnnl_primitive_attr_destroy(attr) } }
        try DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &src, Engine.shared.engine, &dst,
                                                           Engine.shared.engine, attr), op)
        guard let pd else { throw GraftError.invalidState("\(op): oneDNN returned no reorder") }
        return pd
    }
    try Engine.shared.execute(p, [(DNNL_ARG_FROM, from), (DNNL_ARG_TO, to)])
}

/// The descriptor of the window `shape` starting at `starts` inside a row-major tensor of
/// shape `parent`: the window's elements keep their places in the parent's memory.
func windowDesc(in parent: [Int], shape: [Int], starts: [Int], op: String) throws -> dnnl_memory_desc_t {
    var sub = dnnl_memory_desc_t()
    var whole = DNNL.plainDesc(parent)
    try DNNL.check(dnnl_memory_desc_init_submemory(&sub, &whole, DNNL.dims(shape), DNNL.dims(starts)), op)
    return sub
}
