/// How `pad` fills the border: with a constant, with the input mirrored about its edge (numpy's
/// and torch's `reflect`, the edge not repeated), or with the edge repeated.
public enum PadMode: String, Sendable, Codable, CaseIterable {
    case constant, reflect, edge
}

/// `x` padded by `before[d]` and `after[d]` elements along each dimension `d`, as ONNX's Pad
/// (a negative count crops). Runs as Swift loops over row-major data; the gradient sums the
/// output gradient back onto the input elements each output element was read from.
public func pad(_ x: Tensor, before: [Int], after: [Int], mode: PadMode = .constant, value: Float = 0) throws -> Tensor {
    try GraphRecorder.recording(.pad(before: before, after: after, mode: mode, value: value), [x]) {
        try unrecordedPad(x, before: before, after: after, mode: mode, value: value)
    }
}

/// `pad` as the op computes it, with no graph recording.
private func unrecordedPad(_ x: Tensor, before: [Int], after: [Int], mode: PadMode, value: Float) throws -> Tensor {
    let op = "pad"
    try requireFloat(x, op)
    let rank = x.shape.count
    guard before.count == rank, after.count == rank else {
        throw GraftError.invalidArgument(op: op, detail: "needs \(rank) counts before and after for \(shapeString(x.shape)), got \(before) and \(after)")
    }
    var shape: [Int] = []
    for d in 0..<rank {
        let size = x.shape[d]
        let (total, overflow) = size.addingReportingOverflow(before[d])
        let (padded, overflow2) = total.addingReportingOverflow(after[d])
        guard !overflow, !overflow2, padded >= 0, padded <= 1 << 24 else {
            throw GraftError.invalidArgument(op: op, detail: "padding \(before[d]), \(after[d]) of size \(size) gives \(padded)")
        }
        if mode != .constant && padded > 0 {
            guard size > 0, mode == .edge || (before[d] < size && after[d] < size) else {
                throw GraftError.invalidArgument(op: op, detail: "\(mode.rawValue) padding \(before[d]), \(after[d]) needs more than \(size) elements in dimension \(d)")
            }
        }
        shape.append(padded)
    }
    var count = 1
    for d in shape {
        let (c, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow, c <= 1 << 31 else { throw GraftError.invalidArgument(op: op, detail: "the result \(shapeString(shape)) is too large") }
        count = c
    }
    // For each output element, the input element it reads (−1: the constant).
    var inStrides = Array(repeating: 1, count: rank)
    for d in (0..<rank).reversed().dropFirst() { inStrides[d] = inStrides[d + 1] * x.shape[d + 1] }
    var source = [Int](repeating: 0, count: count), index = Array(repeating: 0, count: rank)
    for i in 0..<count {
        var offset = 0
        for d in 0..<rank {
            var j = index[d] - before[d]
            let size = x.shape[d]
            if j < 0 || j >= size {
                switch mode {
                case .constant: offset = -1
                case .edge: j = j < 0 ? 0 : size - 1
                case .reflect: j = j < 0 ? -j : 2 * (size - 1) - j
                }
            }
            if offset < 0 { break }
            offset += j * inStrides[d]
        }
        source[i] = offset
        var d = rank - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < shape[d] { break }
            index[d] = 0
            d -= 1
        }
    }
    FLOPCounter.add(count)
    let xs = x.toArray()
    let out = Tensor(shape: shape, data: source.map { $0 < 0 ? value : xs[$0] })
    let inShape = x.shape
    recordGrad(out, op: op, inputs: [x]) { g in
        var dx = [Float](repeating: 0, count: xs.count)
        for (i, gi) in g.toArray().enumerated() where source[i] >= 0 { dx[source[i]] += gi }
        return [Tensor(shape: inShape, data: dx)]
    }
    return out
}
