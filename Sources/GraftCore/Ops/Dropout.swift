/// Dropout as `torch.nn.functional.dropout`: in training each element is zeroed with
/// probability `p` and the others are scaled by `1 / (1 − p)`; the gradient goes through the
/// same mask. Returns `x` itself when not training or when `p` is 0. The mask is drawn from
/// `generator`, so a seed reproduces it.
public func dropout(_ x: Tensor, p: Float, training: Bool, generator: inout RandomGenerator) throws -> Tensor {
    if training && p > 0 { GraphRecorder.trains("dropout in training mode") }
    return try GraphRecorder.recording(.dropout(p: p, training: training && p > 0), [x]) { try unrecordedDropout(x, p: p, training: training, generator: &generator) }
}

/// `dropout` as the op computes it, with no graph recording.
private func unrecordedDropout(_ x: Tensor, p: Float, training: Bool, generator: inout RandomGenerator) throws -> Tensor {
    guard p >= 0, p < 1 else {
        throw GraftError.invalidArgument(op: "dropout", detail: "probability \(p) is outside [0, 1)")
    }
    try requireFloat(x, "dropout")
    guard training, p > 0 else { return x }
    let kept = 1 / (1 - p)
    var mask = [Float](repeating: 0, count: x.count)
    for i in mask.indices where generator.nextFloat() >= p { mask[i] = kept }
    return try mul(x, Tensor(shape: x.shape, data: mask))
}
