/// Mean cross-entropy of `logits` `[N, C]` against int32 class `labels` `[N]`, exactly as
/// `torch.nn.functional.cross_entropy(logits, labels, weight, label_smoothing=ε)`:
/// with `logp = log_softmax(logits)` and `W = Σᵢ w[yᵢ]`,
/// `loss = (1 − ε) · (−Σᵢ w[yᵢ]·logp[i, yᵢ]) / W + (ε / C) · (−Σᵢ Σ_c w[c]·logp[i, c]) / W`,
/// where `w ≡ 1` without class weights (so `W = N`). Returns a `[1]` tensor. The class
/// `weight` `[C]` is a constant: it gets no gradient.
public func crossEntropy(_ logits: Tensor, labels: Tensor, weight: Tensor? = nil, labelSmoothing: Float = 0) throws -> Tensor {
    let op = "cross_entropy"
    try requireFloat(logits, op)
    guard logits.shape.count == 2 else {
        throw GraftError.shapeMismatch(op: op, detail: "logits must be [N, C]; logits vs labels", lhs: logits.shape, rhs: labels.shape)
    }
    let (n, c) = (logits.shape[0], logits.shape[1])
    guard labels.dtype == .int32 else {
        throw GraftError.invalidArgument(op: op, detail: "labels must be an int32 tensor (Tensor(labels:))")
    }
    guard labels.shape == [n] else {
        throw GraftError.shapeMismatch(op: op, detail: "labels must be [N] for logits [N, C]; logits vs labels",
                                       lhs: logits.shape, rhs: labels.shape)
    }
    if let w = weight {
        try requireFloat(w, op)
        guard w.shape == [c] else {
            throw GraftError.shapeMismatch(op: op, detail: "weight must be [C] for logits [N, C]; logits vs weight",
                                           lhs: logits.shape, rhs: w.shape)
        }
    }
    guard labelSmoothing >= 0, labelSmoothing <= 1 else {
        throw GraftError.invalidArgument(op: op, detail: "label smoothing \(labelSmoothing) is outside [0, 1]")
    }
    let y = labels.labels
    if let bad = y.enumerated().first(where: { $0.element < 0 || $0.element >= c }) {
        throw GraftError.invalidArgument(op: op, detail: "label \(bad.element) of sample \(bad.offset) is outside 0..<\(c)")
    }
    let w = weight?.toArray().map(Double.init) ?? [Double](repeating: 1, count: c)
    let eps = Double(labelSmoothing)
    let total = y.reduce(0.0) { $0 + w[$1] }

    let logp = try logSoftmax(logits, axis: 1).rowMajor()
    let lp = logp.toArray()
    var nll = 0.0, smooth = 0.0
    for i in 0..<n {
        nll -= w[y[i]] * Double(lp[i * c + y[i]])
        for k in 0..<c { smooth -= w[k] * Double(lp[i * c + k]) }
    }
    let loss = ((1 - eps) * nll + eps / Double(c) * smooth) / total
    let out = Tensor(scalar: Float(loss))
    recordGrad(out, op: op, inputs: [logp]) { g in
        // ∂loss/∂logp[i, k] = −((1 − ε)·w[yᵢ]·[k = yᵢ] + (ε/C)·w[k]) / W.
        let seed = Double(g.item) / total
        var grad = [Float](repeating: 0, count: n * c)
        for i in 0..<n {
            for k in 0..<c { grad[i * c + k] = Float(-seed * eps / Double(c) * w[k]) }
            grad[i * c + y[i]] = Float(-seed * ((1 - eps) * w[y[i]] + eps / Double(c) * w[y[i]]))
        }
        return [Tensor(shape: [n, c], data: grad)]
    }
    return out
}
