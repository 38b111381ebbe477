import CDNNL

/// The sum of all elements, as a `[1]` tensor.
public func sum(_ x: Tensor) throws -> Tensor {
    try reduce(x, axes: Array(x.shape.indices), keepDims: false, alg: dnnl_reduction_sum, name: "sum")
}

/// The mean of all elements, as a `[1]` tensor.
public func mean(_ x: Tensor) throws -> Tensor {
    try reduce(x, axes: Array(x.shape.indices), keepDims: false, alg: dnnl_reduction_mean, name: "mean")
}

/// Sums over `axes` (negative counts from the end), as `torch.sum(x, dim=axes, keepdim=keepDims)`:
/// the reduced dimensions are kept with size 1 or removed (a full reduction gives `[1]`).
public func sum(_ x: Tensor, axes: [Int], keepDims: Bool = false) throws -> Tensor {
    try reduce(x, axes: axes, keepDims: keepDims, alg: dnnl_reduction_sum, name: "sum")
}

/// Averages over `axes`, as `torch.mean(x, dim=axes, keepdim=keepDims)` (see `sum(_:axes:keepDims:)`).
public func mean(_ x: Tensor, axes: [Int], keepDims: Bool = false) throws -> Tensor {
    try GraphRecorder.recording(.mean(axes: axes, keepDims: keepDims), [x]) {
        try reduce(x, axes: axes, keepDims: keepDims, alg: dnnl_reduction_mean, name: "mean")
    }
}

private func reduce(_ x: Tensor, axes: [Int], keepDims: Bool, alg: dnnl_alg_kind_t, name: String) throws -> Tensor {
    try requireFloat(x, name)
    guard !axes.isEmpty else {
        throw GraftError.invalidArgument(op: name, detail: "no axes given; use \(name)(_:) to reduce every element")
    }
    let reduced = Set(try axes.map { try resolvedAxis($0, of: x.shape, op: name) })
    FLOPCounter.add(x.count)
    guard reduced.count == axes.count else {
        throw GraftError.invalidArgument(op: name, detail: "axes \(axes) name a dimension twice")
    }
    // oneDNN reduces to a descriptor of the same rank with size 1 on the reduced axes.
    let keptShape = x.shape.indices.map { reduced.contains($0) ? 1 : x.shape[$0] }
    let dropped = x.shape.indices.filter { !reduced.contains($0) }.map { x.shape[$0] }
    let outShape = keepDims ? keptShape : (dropped.isEmpty ? [1] : dropped)
    // oneDNN refuses a reduction that reduces nothing (every reduced axis has size 1).
    if keptShape == x.shape { return try x.reshaped(outShape) }
    let kept = try reduce(x, to: keptShape, alg, op: "\(name).forward")
    let out = Tensor(shape: outShape, desc: DNNL.plainDesc(outShape), storage: kept.storage)

    let inShape = x.shape, keptDesc = kept.desc
    let factor = alg == dnnl_reduction_mean ? 1 / Float(x.count / kept.count) : 1
    recordGrad(out, op: name, inputs: [x]) { g in
        // Every input element receives the gradient of its output element (divided by the
        // number of elements averaged): a broadcasting multiply of a constant by the gradient.
        let gk = Tensor(shape: keptShape, desc: keptDesc, storage: g.converted(to: DNNL.plainDesc(outShape)).storage)
        return [try binary(dnnl_binary_mul, Tensor(repeating: factor, shape: inShape), gk, outShape: inShape,
                           op: "\(name).backward")]
    }
    return out
}

/// `x` reduced with `alg` to `shape` (same rank, size 1 where reduced) by a oneDNN reduction,
/// row-major; the primitive is cached under `op`.
func reduce(_ x: Tensor, to shape: [Int], _ alg: dnnl_alg_kind_t, op: String) throws -> Tensor {
    let dst = DNNL.plainDesc(shape)
    var key = PrimitiveKey(op)
    key.add(x.desc); key.add(dst)
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_reduction_desc_t()
        var (s, t) = (x.desc, dst)
        try DNNL.check(dnnl_reduction_desc_init(&d, alg, &s, &t, 0, 0), op)
        return try Engine.shared.makeDesc(op, &d)
    }
    let out = Tensor(shape: shape, desc: dst)
    try Engine.shared.execute(p, [(DNNL_ARG_SRC, x), (DNNL_ARG_DST, out)])
    return out
}
