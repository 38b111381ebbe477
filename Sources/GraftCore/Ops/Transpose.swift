import CDNNL

/// `x` with its dimensions permuted, as `torch.permute` and ONNX's Transpose: output dimension
/// `i` is input dimension `permutation[i]`. One oneDNN reorder from the row-major input read
/// with permuted strides into a row-major result; the gradient is transposed back.
public func transpose(_ x: Tensor, permutation: [Int]) throws -> Tensor {
    try GraphRecorder.recording(.transpose(permutation), [x]) { try unrecordedTranspose(x, permutation: permutation) }
}

/// `transpose` as the op computes it, with no graph recording.
private func unrecordedTranspose(_ x: Tensor, permutation: [Int]) throws -> Tensor {
    let op = "transpose"
    try requireFloat(x, op)
    let rank = x.shape.count
    guard (1...6).contains(rank), permutation.sorted() == Array(0..<rank) else {
        throw GraftError.invalidArgument(op: op, detail: "\(permutation) is not a permutation of the \(rank) axes of \(shapeString(x.shape)) (rank 1 to 6)")
    }
    let out = try permuted(x, permutation, op: "transpose.forward")
    var inverse = permutation
    for (i, p) in permutation.enumerated() { inverse[p] = i }
    recordGrad(out, op: op, inputs: [x]) { g in [try permuted(g, inverse, op: "transpose.backward")] }
    return out
}

/// `x` permuted without autodiff, row-major.
private func permuted(_ x: Tensor, _ permutation: [Int], op: String) throws -> Tensor {
    let shape = permutation.map { x.shape[$0] }
    if permutation == Array(permutation.indices) { return x.converted(to: DNNL.plainDesc(x.shape)) }
    let plain = x.converted(to: DNNL.plainDesc(x.shape))
    var strides = Array(repeating: 1, count: x.shape.count)
    for d in x.shape.indices.reversed().dropFirst() { strides[d] = strides[d + 1] * x.shape[d + 1] }
    var src = dnnl_memory_desc_t()
    try DNNL.check(dnnl_memory_desc_init_by_strides(&src, Int32(shape.count), DNNL.dims(shape), dnnl_f32,
                                                    DNNL.dims(permutation.map { strides[$0] })), op)
    let out = Tensor(uninitialized: shape)
    if out.count > 0 { try copyReordering(Tensor(shape: shape, desc: src, storage: plain.storage), into: out, op: op) }
    return out
}
