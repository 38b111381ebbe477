import CDNNL

/// Joins tensors along `axis` (negative counts from the end), as `torch.cat`. All tensors
/// have the same rank and the same sizes except on `axis`. The layout of the result is
/// oneDNN's choice; each input's gradient is its slice of the output's gradient.
public func concat(_ xs: [Tensor], axis: Int = 1) throws -> Tensor {
    try GraphRecorder.recording(.concat(axis: axis), xs) { try unrecordedConcat(xs, axis: axis) }
}

/// `concat` as the op computes it, with no graph recording.
private func unrecordedConcat(_ xs: [Tensor], axis: Int) throws -> Tensor {
    let op = "concat"
    guard let first = xs.first else {
        throw GraftError.invalidArgument(op: op, detail: "needs at least one tensor")
    }
    let rank = first.shape.count
    let ax = try resolvedAxis(axis, of: first.shape, op: op)
    for x in xs {
        try requireFloat(x, op)
        let agree = x.shape.count == rank && (0..<rank).allSatisfy { $0 == ax || x.shape[$0] == first.shape[$0] }
        guard agree else {
            throw GraftError.shapeMismatch(op: op, detail: "shapes must agree except on axis \(ax)", lhs: first.shape, rhs: x.shape)
        }
    }
    var outShape = first.shape
    outShape[ax] = xs.reduce(0) { $0 + $1.shape[ax] }

    let fwd = try concatPrimitive(xs.map(\.desc), outShape: outShape, axis: ax)
    let out = Tensor(shape: outShape, desc: fwd.desc(dnnl_query_dst_md))
    var args = xs.enumerated().map { (DNNL_ARG_MULTIPLE_SRC + Int32($0.offset), $0.element) }
    args.append((DNNL_ARG_DST, out))
    try Engine.shared.execute(fwd, args)

    let shapes = xs.map(\.shape)
    let needs = xs.map(\.requiresGrad)
    recordGrad(out, op: op, inputs: xs) { g in
        // Each input's gradient is a window of the row-major gradient, copied out by a reorder.
        let plain = g.converted(to: DNNL.plainDesc(outShape))
        var offset = 0
        return try zip(shapes, needs).map { (shape, need) -> Tensor? in
            defer { offset += shape[ax] }
            guard need else { return nil }
            var starts = [Int](repeating: 0, count: rank)
            starts[ax] = offset
            let window = try windowDesc(in: outShape, shape: shape, starts: starts, op: op)
            let slice = Tensor(uninitialized: shape)
            try copyReordering(Tensor(shape: shape, desc: window, storage: plain.storage), into: slice, op: "concat.backward")
            return slice
        }
    }
    return out
}

/// The concatenation primitive of sources described by `descs` along `axis` (non-negative),
/// cached as `concat.forward`; the output has the first source's type and oneDNN's layout.
func concatPrimitive(_ descs: [dnnl_memory_desc_t], outShape: [Int], axis: Int) throws -> Primitive {
    var key = PrimitiveKey("concat.forward")
    key.add(axis)
    for d in descs { key.add(d) }
    return try Engine.shared.primitive(key) {
        var pd: OpaquePointer?
        var dst = DNNL.anyDesc(outShape, descs.first?.data_type ?? dnnl_f32)
        var srcs = descs
        try DNNL.check(dnnl_concat_primitive_desc_create(&pd, &dst, Int32(descs.count), Int32(axis), &srcs, nil,
                                                         Engine.shared.engine), "concat")
        guard let pd else { throw GraftError.invalidState("concat: oneDNN returned no primitive") }
        return pd
    }
}
