/// Which elements `stochasticDepth` drops together, as torchvision's `mode`.
public enum StochasticDepthMode: String, Sendable, CaseIterable {
    /// Each sample of the batch (each index of the first dimension) is kept or dropped on its own.
    case row
    /// The whole batch is kept or dropped at once.
    case batch
}

/// Stochastic depth as `torchvision.ops.stochastic_depth`: in training each sample (`.row`) or
/// the whole batch (`.batch`) is zeroed with probability `p` and kept otherwise, scaled by
/// `1 / (1 − p)`; the gradient goes through the same mask. Returns `x` itself when not
/// training or when `p` is 0; with `p` = 1 everything is zeroed. One value per sample (`.row`)
/// or one for the batch is drawn from `generator`, so a seed reproduces the mask.
public func stochasticDepth(_ x: Tensor, p: Float, mode: StochasticDepthMode = .row, training: Bool,
                            generator: inout RandomGenerator) throws -> Tensor {
    if training && p > 0 { GraphRecorder.trains("stochastic_depth in training mode") }
    return try GraphRecorder.recording(.stochasticDepth(p: p, mode: mode, training: training && p > 0), [x]) {
        try unrecordedStochasticDepth(x, p: p, mode: mode, training: training, generator: &generator)
    }
}

/// `stochasticDepth` as the op computes it, with no graph recording.
private func unrecordedStochasticDepth(_ x: Tensor, p: Float, mode: StochasticDepthMode, training: Bool,
                                       generator: inout RandomGenerator) throws -> Tensor {
    let op = "stochastic_depth"
    guard p >= 0, p <= 1 else {
        throw GraftError.invalidArgument(op: op, detail: "probability \(p) is outside [0, 1]")
    }
    try requireFloat(x, op)
    guard let n = x.shape.first, n > 0 else {
        throw GraftError.invalidArgument(op: op, detail: "needs a tensor with a batch dimension, got \(shapeString(x.shape))")
    }
    guard training, p > 0 else { return x }
    let survival = 1 - p
    let kept: Float = survival > 0 ? 1 / survival : 0
    let draws = mode == .row ? n : 1
    let mask = (0..<draws).map { _ in generator.nextFloat() >= p ? kept : 0 }
    let maskShape = [draws] + [Int](repeating: 1, count: x.shape.count - 1)
    return try mul(x, Tensor(shape: maskShape, data: mask))
}
