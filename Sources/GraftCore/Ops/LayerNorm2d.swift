/// Layer normalisation over the channels of each pixel of `x` `[N, C, H, W]`, as torchvision's
/// `LayerNorm2d` (ConvNeXt): every pixel's C values are shifted by their mean and divided by
/// `sqrt(variance + eps)` (biased variance), then multiplied by `weight[c]` and shifted by
/// `bias[c]` when given (both `[C]`). Runs as Swift loops over row-major data (the result is
/// row-major); gradients flow to `x`, `weight` and `bias`. Counts 8 FLOPs per element (mean,
/// variance, normalisation, affine).
public func layerNorm2d(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-6) throws -> Tensor {
    if (weight == nil) != (bias == nil) { GraphRecorder.reject("layer_norm2d with only one of weight and bias") }
    return try GraphRecorder.recording(.layerNorm2d(affine: weight != nil && bias != nil, eps: eps), [x] + [weight, bias].compactMap { $0 }) {
        try unrecordedLayerNorm2d(x, weight: weight, bias: bias, eps: eps)
    }
}

/// `layerNorm2d` as the op computes it, with no graph recording.
private func unrecordedLayerNorm2d(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
    let op = "layer_norm2d"
    try requireFloat(x, op)
    guard x.shape.count == 4 else {
        throw GraftError.invalidArgument(op: op, detail: "needs an input [N, C, H, W], got \(shapeString(x.shape))")
    }
    let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
    for (name, t) in [("weight", weight), ("bias", bias)] {
        guard let t else { continue }
        try requireFloat(t, op)
        guard t.shape == [c] else {
            throw GraftError.shapeMismatch(op: op, detail: "\(name) must have one value per channel; \(name) vs input",
                                           lhs: t.shape, rhs: x.shape)
        }
    }
    guard eps >= 0, eps.isFinite else {
        throw GraftError.invalidArgument(op: op, detail: "eps \(eps) must be finite and non-negative")
    }
    FLOPCounter.add(product: 8, x.count)
    let xs = x.toArray()
    let w = weight?.toArray(), b = bias?.toArray()
    var y = [Float](repeating: 0, count: xs.count)
    var mean = [Float](repeating: 0, count: n * hw), rstd = mean
    var sums = [Double](repeating: 0, count: hw)
    for s in 0..<n {
        let base = s * c * hw, stat = s * hw
        for p in 0..<hw { sums[p] = 0 }
        for ch in 0..<c { let o = base + ch * hw; for p in 0..<hw { sums[p] += Double(xs[o + p]) } }
        for p in 0..<hw { mean[stat + p] = Float(sums[p] / Double(c)); sums[p] = 0 }
        for ch in 0..<c {
            let o = base + ch * hw
            for p in 0..<hw { let d = Double(xs[o + p] - mean[stat + p]); sums[p] += d * d }
        }
        for p in 0..<hw { rstd[stat + p] = Float(1 / (sums[p] / Double(c) + Double(eps)).squareRoot()) }
        for ch in 0..<c {
            let o = base + ch * hw, wc = w?[ch] ?? 1, bc = b?[ch] ?? 0
            for p in 0..<hw { y[o + p] = (xs[o + p] - mean[stat + p]) * rstd[stat + p] * wc + bc }
        }
    }
    let out = Tensor(shape: x.shape, data: y)

    let inputs = [x] + [weight, bias].compactMap { $0 }
    let needX = x.requiresGrad, needW = weight?.requiresGrad == true, needB = bias?.requiresGrad == true
    let shape = x.shape, hasW = weight != nil, hasB = bias != nil
    recordGrad(out, op: op, inputs: inputs) { g in
        let gs = g.toArray()
        var dx = [Float](repeating: 0, count: needX ? gs.count : 0)
        var dw = [Double](repeating: 0, count: c), db = dw
        var dotG = [Double](repeating: 0, count: hw), dotGX = dotG
        for s in 0..<n {
            let base = s * c * hw, stat = s * hw
            for p in 0..<hw { dotG[p] = 0; dotGX[p] = 0 }
            for ch in 0..<c {
                let o = base + ch * hw, wc = Double(w?[ch] ?? 1)
                for p in 0..<hw {
                    let xhat = Double((xs[o + p] - mean[stat + p]) * rstd[stat + p]), gp = Double(gs[o + p])
                    dw[ch] += gp * xhat
                    db[ch] += gp
                    dotG[p] += gp * wc
                    dotGX[p] += gp * wc * xhat
                }
            }
            guard needX else { continue }
            for ch in 0..<c {
                let o = base + ch * hw, wc = Double(w?[ch] ?? 1)
                for p in 0..<hw {
                    let xhat = Double((xs[o + p] - mean[stat + p]) * rstd[stat + p])
                    let d = Double(gs[o + p]) * wc - (dotG[p] + xhat * dotGX[p]) / Double(c)
                    dx[o + p] = Float(Double(rstd[stat + p]) * d)
                }
            }
        }
        var grads: [Tensor?] = [needX ? Tensor(shape: shape, data: dx) : nil]
        if hasW { grads.append(needW ? Tensor(shape: [c], data: dw.map { Float($0) }) : nil) }
        if hasB { grads.append(needB ? Tensor(shape: [c], data: db.map { Float($0) }) : nil) }
        return grads
    }
    return out
}
