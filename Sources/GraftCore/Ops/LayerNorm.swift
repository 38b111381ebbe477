/// Layer normalisation over the dimensions of `x` from `axis` on (negative counts from the
/// end), as `torch.nn.functional.layer_norm` and ONNX's LayerNormalization: each group of those
/// values is shifted by its mean and divided by `sqrt(variance + eps)` (biased variance), then
/// multiplied by `weight` and shifted by `bias` when given (both shaped like those dimensions).
/// Runs as Swift loops over row-major data; gradients flow to `x`, `weight` and `bias`.
public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, axis: Int, eps: Float = 1e-5) throws -> Tensor {
    if (weight == nil) != (bias == nil) { GraphRecorder.reject("layer_norm with only one of weight and bias") }
    return try GraphRecorder.recording(.layerNorm(axis: axis, eps: eps, affine: weight != nil && bias != nil), [x] + [weight, bias].compactMap { $0 }) {
        try unrecordedLayerNorm(x, weight: weight, bias: bias, axis: axis, eps: eps)
    }
}

/// `layerNorm` as the op computes it, with no graph recording.
private func unrecordedLayerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, axis: Int, eps: Float) throws -> Tensor {
    let op = "layer_norm"
    try requireFloat(x, op)
    let a = try resolvedAxis(axis, of: x.shape, op: op)
    let normalized = Array(x.shape[a...])
    let inner = normalized.reduce(1, *), outer = x.shape[..<a].reduce(1, *)
    for (name, t) in [("weight", weight), ("bias", bias)] {
        guard let t else { continue }
        try requireFloat(t, op)
        guard t.count == inner, t.shape.reduce(1, *) == inner, t.shape.count <= normalized.count,
              Array(normalized.suffix(t.shape.count)) == t.shape else {
            throw GraftError.shapeMismatch(op: op, detail: "\(name) must be shaped like the normalised dimensions; \(name) vs input",
                                           lhs: t.shape, rhs: x.shape)
        }
    }
    guard eps >= 0, eps.isFinite, inner > 0 else {
        throw GraftError.invalidArgument(op: op, detail: "eps \(eps) must be finite and non-negative, over a non-empty group")
    }
    FLOPCounter.add(product: 8, x.count)
    let xs = x.toArray(), w = weight?.toArray(), b = bias?.toArray()
    var y = [Float](repeating: 0, count: xs.count)
    var xhat = y, rstd = [Float](repeating: 0, count: outer)
    for r in 0..<outer {
        let o = r * inner
        var sum = 0.0
        for i in 0..<inner { sum += Double(xs[o + i]) }
        let mean = sum / Double(inner)
        var squares = 0.0
        for i in 0..<inner { let d = Double(xs[o + i]) - mean; squares += d * d }
        let s = 1 / (squares / Double(inner) + Double(eps)).squareRoot()
        rstd[r] = Float(s)
        for i in 0..<inner {
            let h = Float((Double(xs[o + i]) - mean) * s)
            xhat[o + i] = h
            y[o + i] = h * (w?[i] ?? 1) + (b?[i] ?? 0)
        }
    }
    let out = Tensor(shape: x.shape, data: y)
    let inputs = [x] + [weight, bias].compactMap { $0 }
    let needX = x.requiresGrad, shape = x.shape, wShape = weight?.shape, bShape = bias?.shape
    recordGrad(out, op: op, inputs: inputs) { g in
        let gs = g.toArray()
        var dx = [Float](repeating: 0, count: needX ? gs.count : 0)
        var dw = [Double](repeating: 0, count: inner), db = dw
        for r in 0..<outer {
            let o = r * inner
            var dotG = 0.0, dotGX = 0.0
            for i in 0..<inner {
                let gp = Double(gs[o + i]), h = Double(xhat[o + i]), wi = Double(w?[i] ?? 1)
                dw[i] += gp * h
                db[i] += gp
                dotG += gp * wi
                dotGX += gp * wi * h
            }
            guard needX else { continue }
            let n = Double(inner), s = Double(rstd[r])
            for i in 0..<inner {
                let gh = Double(gs[o + i]) * Double(w?[i] ?? 1)
                dx[o + i] = Float(s * (gh - dotG / n - Double(xhat[o + i]) * dotGX / n))
            }
        }
        return [needX ? Tensor(shape: shape, data: dx) : nil]
            + (wShape.map { [Tensor(shape: $0, data: dw.map(Float.init))] } ?? [])
            + (bShape.map { [Tensor(shape: $0, data: db.map(Float.init))] } ?? [])
    }
    return out
}
