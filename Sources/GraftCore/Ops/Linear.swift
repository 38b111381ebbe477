import CDNNL

/// A fully connected layer, as `torch.nn.functional.linear`: `y = x·Wᵀ + b` for `x`
/// `[N, in]`, `weight` `[out, in]` and an optional `bias` `[out]`. Runs as a oneDNN inner
/// product with the layouts it picks; the weight gradient comes back row-major `[out, in]`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    try GraphRecorder.recording(.linear(hasBias: bias != nil), [x, weight] + (bias.map { [$0] } ?? [])) {
        try unrecordedLinear(x, weight: weight, bias: bias)
    }
}

/// `linear` as the op computes it, with no graph recording.
private func unrecordedLinear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
    let op = "linear"
    guard weight.shape.count == 2 else {
        throw GraftError.shapeMismatch(op: op, detail: "weight must be [out, in]; input vs weight", lhs: x.shape, rhs: weight.shape)
    }
    let (o, i) = (weight.shape[0], weight.shape[1])
    guard x.shape.count == 2, x.shape[1] == i else {
        throw GraftError.shapeMismatch(op: op, detail: "input must be [N, \(i)] to match the weight's in-features; input vs weight",
                                       lhs: x.shape, rhs: weight.shape)
    }
    if let b = bias, b.shape != [o] {
        throw GraftError.shapeMismatch(op: op, detail: "bias must have one value per output feature; bias vs weight",
                                       lhs: b.shape, rhs: weight.shape)
    }
    let n = x.shape[0]
    let outShape = [n, o]
    FLOPCounter.add(product: n, o, 2 * i + (bias == nil ? 0 : 1))
    let training = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)

    // Under bf16 the operands are bfloat16 (see `ComputePrecision`); results stay float32.
    let precision = Engine.shared.precision, lowp = precision.operandType
    // A weight that trains stays row-major (a GEMM reads it as it is): reordering a large
    // fully connected weight to a blocked layout and its gradient back on every step costs
    // more than the blocked kernel saves. Frozen weights take the blocked layout, once.
    let trainsWeight = GradMode.isEnabled && weight.requiresGrad
    let weightDesc = { (type: dnnl_data_type_t) in trainsWeight ? DNNL.plainDesc(weight.shape, type) : DNNL.anyDesc(weight.shape, type) }
    var biasDesc = DNNL.plainDesc([o])
    let (fwd, key) = try innerProductForwardPrimitive(inputShape: x.shape, weightShape: weight.shape, hasBias: bias != nil,
                                                      training: training, precision: precision, plainWeight: trainsWeight)
    let src = x.converted(to: fwd.desc(dnnl_query_src_md))
    let wDesc = fwd.desc(dnnl_query_weights_md)
    // A weight that gets no gradient (frozen, or inference) keeps its reorder until it changes.
    let wt = trainsWeight
        ? weight.converted(to: wDesc) : weight.cachedConversion(to: wDesc) { weight.converted(to: wDesc) }
    let out = try executeWeightedForward(fwd, src: src, weights: wt, bias: bias, biasDesc: biasDesc, outShape: outShape, dst: nil)

    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let needX = x.requiresGrad, needW = weight.requiresGrad, needB = bias?.requiresGrad == true
    let inShape = x.shape
    recordGrad(out, op: op, inputs: inputs) { gradOut in
        let g = try weightedLayerGradients(
            op, key: key, gradOut: gradOut, src: src, weights: wt, inputShape: inShape, weightShape: weight.shape,
            biasCount: bias == nil ? nil : o, needs: (needX, needW, needB),
            backwardData: {
                var d = dnnl_inner_product_desc_t()
                var (sa, wa, da) = (DNNL.anyDesc(inShape), weightDesc(lowp), DNNL.anyDesc(outShape, lowp))
                try DNNL.check(dnnl_inner_product_backward_data_desc_init(&d, &sa, &wa, &da), op)
                return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
            },
            backwardWeights: {
                var d = dnnl_inner_product_desc_t()
                var (sa, wa, da) = (DNNL.anyDesc(inShape, lowp), weightDesc(dnnl_f32), DNNL.anyDesc(outShape, lowp))
                try withOptionalPointer(to: &biasDesc, if: bias != nil) { bd in
                    try DNNL.check(dnnl_inner_product_backward_weights_desc_init(&d, &sa, &wa, bd, &da), op)
                }
                return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
            })
        return [g.input, g.weight] + (bias == nil ? [] : [g.bias])
    }
    return out
}

/// The forward inner product primitive (cached) for an input and weight of these shapes, read
/// in `precision` (the weight row-major when `plainWeight`, else in the layout oneDNN picks),
/// writing float32.
func innerProductForwardPrimitive(inputShape: [Int], weightShape: [Int], hasBias: Bool, training: Bool,
                                  precision: ComputePrecision, plainWeight: Bool) throws -> (primitive: Primitive, key: PrimitiveKey) {
    let op = "linear"
    var key = PrimitiveKey("linear.forward")
    key.add(inputShape); key.add(weightShape)
    key.add(hasBias ? 1 : 0); key.add(training ? 1 : 0); key.add(precision == .bfloat16 ? 1 : 0); key.add(plainWeight ? 1 : 0)
    let outShape = [inputShape[0], weightShape[0]], lowp = precision.operandType
    var biasDesc = DNNL.plainDesc([weightShape[0]])
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_inner_product_desc_t()
        var (sa, da) = (DNNL.anyDesc(inputShape, lowp), DNNL.anyDesc(outShape))
        var wa = plainWeight ? DNNL.plainDesc(weightShape, lowp) : DNNL.anyDesc(weightShape, lowp)
        try withOptionalPointer(to: &biasDesc, if: hasBias) { bd in
            try DNNL.check(dnnl_inner_product_forward_desc_init(
                &d, training ? dnnl_forward_training : dnnl_forward_inference, &sa, &wa, bd, &da), op)
        }
        return try Engine.shared.makeDesc(op, &d)
    }
    return (p, key)
}
