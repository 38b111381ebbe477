import CDNNL

/// Elements `start ..< start + length` of dimension `axis` (negative counts from the end), as
/// `torch.narrow`, copied into a row-major tensor (`x` itself when the window is the whole
/// axis). The gradient is the output's gradient in that window and zero elsewhere.
public func narrow(_ x: Tensor, axis: Int, start: Int, length: Int) throws -> Tensor {
    try GraphRecorder.recording(.narrow(axis: axis, start: start, length: length), [x]) {
        try unrecordedNarrow(x, axis: axis, start: start, length: length)
    }
}

/// `narrow` as the op computes it, with no graph recording.
private func unrecordedNarrow(_ x: Tensor, axis: Int, start: Int, length: Int) throws -> Tensor {
    let op = "narrow"
    try requireFloat(x, op)
    let rank = x.shape.count
    let ax = try resolvedAxis(axis, of: x.shape, op: op)
    let size = x.shape[ax]
    guard start >= 0, length > 0, start <= size, length <= size - start else {
        throw GraftError.invalidArgument(op: op, detail: "window \(start) ..< \(start) + \(length) is outside size \(size) "
                                         + "of axis \(ax) of \(shapeString(x.shape))")
    }
    let inShape = x.shape
    if length == size { return x }
    var outShape = inShape
    outShape[ax] = length
    var starts = [Int](repeating: 0, count: rank)
    starts[ax] = start
    let window = try windowDesc(in: inShape, shape: outShape, starts: starts, op: op)
    let plain = x.converted(to: DNNL.plainDesc(inShape))
    let out = Tensor(uninitialized: outShape)
    try copyReordering(Tensor(shape: outShape, desc: window, storage: plain.storage), into: out, op: "narrow.forward")
    recordGrad(out, op: op, inputs: [x]) { g in
        let dx = Tensor.zeros(inShape)
        try copyReordering(g.converted(to: DNNL.plainDesc(outShape)), into: Tensor(shape: outShape, desc: window, storage: dx.storage),
                           op: "narrow.backward")
        return [dx]
    }
    return out
}

/// `x` cut along `axis` into `chunks` pieces, as `torch.chunk`: every piece has
/// ⌈size / chunks⌉ elements on `axis` except perhaps the last, so fewer than `chunks` pieces
/// come back when the size is not a multiple (ShuffleNet-v2 splits its channels with 2).
public func chunk(_ x: Tensor, _ chunks: Int, axis: Int = 1) throws -> [Tensor] {
    let op = "chunk"
    guard chunks > 0 else { throw GraftError.invalidArgument(op: op, detail: "needs a positive number of chunks, got \(chunks)") }
    let size = x.shape[try resolvedAxis(axis, of: x.shape, op: op)]
    guard size > 0 else { return [] }
    let step = (size + chunks - 1) / chunks
    return try stride(from: 0, to: size, by: step).map { start in
        try narrow(x, axis: axis, start: start, length: min(step, size - start))
    }
}
