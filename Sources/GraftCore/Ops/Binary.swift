import CDNNL

/// Element-wise `a + b` with broadcasting, as `torch.add`: both tensors have the same rank and,
/// in every dimension, equal sizes or size 1 in one of them (`[N, C, H, W] + [1, C, 1, 1]`).
public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.add, [a, b]) { try broadcastBinary(a, b, alg: dnnl_binary_add, name: "add") }
}

/// Element-wise `a * b` with broadcasting, as `torch.mul` (see `add` for the broadcasting rule).
public func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.mul, [a, b]) { try broadcastBinary(a, b, alg: dnnl_binary_mul, name: "mul") }
}

/// Element-wise `a - b` with broadcasting, as `torch.sub` (see `add` for the broadcasting rule).
public func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.sub, [a, b]) { try orderedBinary(a, b, alg: dnnl_binary_sub, name: "sub") }
}

/// Element-wise `a / b` with broadcasting, as `torch.div` (see `add` for the broadcasting rule).
public func div(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try GraphRecorder.recording(.div, [a, b]) { try orderedBinary(a, b, alg: dnnl_binary_div, name: "div") }
}

/// `add(a, b)`.
public func + (a: Tensor, b: Tensor) throws -> Tensor { try add(a, b) }

/// `mul(a, b)`.
public func * (a: Tensor, b: Tensor) throws -> Tensor { try mul(a, b) }

/// Throws unless `x` holds floats: the arithmetic ops work on float32 data only.
func requireFloat(_ x: Tensor, _ op: String) throws {
    guard x.dtype == .float32 else {
        throw GraftError.invalidArgument(op: op, detail: "needs a float32 tensor, got int32 \(shapeString(x.shape))")
    }
}

/// The shape of `a ⊙ b` under broadcasting, or a shapeMismatch naming `op` and both shapes.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    guard a.count == b.count else {
        throw GraftError.shapeMismatch(op: op, detail: "tensors must have the same rank", lhs: a, rhs: b)
    }
    return try zip(a, b).map { x, y in
        guard x == y || x == 1 || y == 1 else {
            throw GraftError.shapeMismatch(op: op, detail: "sizes must match or be 1 in every dimension", lhs: a, rhs: b)
        }
        return max(x, y)
    }
}

private func broadcastBinary(_ a: Tensor, _ b: Tensor, alg: dnnl_alg_kind_t, name: String) throws -> Tensor {
    try requireFloat(a, name)
    try requireFloat(b, name)
    let outShape = try broadcastShape(a.shape, b.shape, op: name)
    FLOPCounter.add(product: outShape.reduce(1, *))
    let out = try binary(alg, a, b, outShape: outShape, op: "\(name).forward")
    let needA = a.requiresGrad, needB = b.requiresGrad
    let isMul = alg == dnnl_binary_mul
    // A sum's backward reads neither input: only a product keeps them.
    let (sa, sb) = isMul ? (a.detached(), b.detached()) : (nil, nil)
    let (shapeA, shapeB) = (a.shape, b.shape)
    recordGrad(out, op: name, inputs: [a, b]) { g in
        // d(a+b) = g; d(a·b)/da = g·b and /db = g·a; then sum over the dims an input was broadcast in.
        let ga = try needA ? reduceSum(sb.map { try binary(dnnl_binary_mul, g, $0, outShape: outShape, op: "mul.backward") } ?? g,
                                       to: shapeA) : nil
        let gb = try needB ? reduceSum(sa.map { try binary(dnnl_binary_mul, g, $0, outShape: outShape, op: "mul.backward") } ?? g,
                                       to: shapeB) : nil
        return [ga, gb]
    }
    return out
}

/// `a − b` or `a / b` (`alg`), which do not commute: `a` is first materialised at the
/// broadcast shape when it is broadcast, so that it stays the first source. Gradients:
/// `g` and `−g` for a difference; `g / b` and `−g · (a / b) / b` for a quotient; each summed over
/// the dimensions its input was broadcast in.
private func orderedBinary(_ a: Tensor, _ b: Tensor, alg: dnnl_alg_kind_t, name: String) throws -> Tensor {
    try requireFloat(a, name)
    try requireFloat(b, name)
    let outShape = try broadcastShape(a.shape, b.shape, op: name)
    FLOPCounter.add(product: outShape.reduce(1, *))
    let out = try binary(alg, materialized(a, at: outShape), b, outShape: outShape, op: "\(name).forward")
    let needA = a.requiresGrad, needB = b.requiresGrad
    let isDiv = alg == dnnl_binary_div
    let (sb, so) = isDiv ? (b.detached(), out.detached()) : (nil, nil)
    let (shapeA, shapeB) = (a.shape, b.shape)
    recordGrad(out, op: name, inputs: [a, b]) { g in
        let ga = try needA ? reduceSum(sb.map { try binary(dnnl_binary_div, g, $0, outShape: outShape, op: "div.backward") } ?? g,
                                       to: shapeA) : nil
        var gb: Tensor? = nil
        if needB {
            var t = g
            if let sb, let so {
                t = try binary(dnnl_binary_mul, t, so, outShape: outShape, op: "div.backward")
                t = try binary(dnnl_binary_div, t, sb, outShape: outShape, op: "div.backward")
            }
            gb = try reduceSum(unrecordedScale(t, by: -1), to: shapeB)
        }
        return [ga, gb]
    }
    return out
}

/// `a ⊙ b` for shapes that broadcast to `outShape` (`alg` commutative unless `a` has `outShape`),
/// without autodiff, cached as `op`. oneDNN broadcasts only its second source, so a full-shape
/// operand goes first; when both are broadcast, `a` is first materialised at `outShape`. The
/// result has the first source's layout, which may be blocked; the second source is read in
/// that layout when it has the full shape and row-major otherwise.
func binary(_ alg: dnnl_alg_kind_t, _ a: Tensor, _ b: Tensor, outShape: [Int], op: String) throws -> Tensor {
    var src0 = a, src1 = b
    if a.shape != outShape {
        if b.shape == outShape {
            (src0, src1) = (b, a)
        } else {
            src0 = try materialized(a, at: outShape)
        }
    }
    let src1Desc = src1.shape == outShape ? src0.desc : DNNL.plainDesc(src1.shape)
    let s1 = src1.converted(to: src1Desc)
    let p = try binaryPrimitive(alg, src0.desc, src1Desc, op: op)
    let out = Tensor(shape: outShape, desc: src0.desc)
    try Engine.shared.execute(p, [(DNNL_ARG_SRC_0, src0), (DNNL_ARG_SRC_1, s1), (DNNL_ARG_DST, out)])
    return out
}

/// `g` summed over the dimensions where `shape` has size 1 and `g` does not (the gradient of
/// a broadcast input), row-major, with a oneDNN sum reduction; `g` itself when nothing is reduced.
func reduceSum(_ g: Tensor, to shape: [Int]) throws -> Tensor {
    if g.shape == shape { return g }
    return try reduce(g, to: shape, dnnl_reduction_sum, op: "reduce_sum")
}

/// The binary primitive (cached as `op`) reading sources described by `desc0` and `desc1`
/// and writing in `desc0`'s layout and type.
func binaryPrimitive(_ alg: dnnl_alg_kind_t, _ desc0: dnnl_memory_desc_t, _ desc1: dnnl_memory_desc_t, op: String) throws -> Primitive {
    var key = PrimitiveKey(op)
    key.add(Int(alg.rawValue)); key.add(desc0); key.add(desc1)
    return try Engine.shared.primitive(key) {
        var d = dnnl_binary_desc_t()
        var (m0, m1, md) = (desc0, desc1, desc0)
        try DNNL.check(dnnl_binary_desc_init(&d, alg, &m0, &m1, &md), op)
        return try Engine.shared.makeDesc(op, &d)
    }
}

/// `x` broadcast to `shape` (itself when it has it already), as a tensor of its own.
private func materialized(_ x: Tensor, at shape: [Int]) throws -> Tensor {
    x.shape == shape ? x : try binary(dnnl_binary_add, Tensor.zeros(shape), x, outShape: shape, op: "broadcast")
}
