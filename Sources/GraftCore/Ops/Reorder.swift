import CDNNL

/// Copies `from` into `to` (same logical shape, any layouts, windows of larger tensors
/// included) with a oneDNN reorder cached under `op` and both descriptors, without autodiff.
func copyReordering(_ from: Tensor, into to: Tensor, op: String) throws {
    var key = PrimitiveKey(op)
    key.add(from.desc); key.add(to.desc)
    let (s, d) = (from.desc, to.desc)
    let p = try Engine.shared.primitive(key) {
        var pd: OpaquePointer?
        var (src, dst) = (s, d)
        try DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &src, Engine.shared.engine, &dst,
                                                           Engine.shared.engine, nil), op)
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
