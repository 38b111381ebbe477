import CDNNL

/// Runs a weighted layer's forward primitive (convolution, inner product) on `src` and
/// `weights`, already in the layouts `fwd` chose, and the optional `bias` (read as
/// `biasDesc`): the output of shape `outShape` in the primitive's layout, written into `dst`
/// when given (already in that layout, for a sum post-op to add to).
func executeWeightedForward(_ fwd: Primitive, src: Tensor, weights: Tensor, bias: Tensor?, biasDesc: dnnl_memory_desc_t,
                            outShape: [Int], dst: Tensor?) throws -> Tensor {
    let out = dst ?? Tensor(shape: outShape, desc: fwd.desc(dnnl_query_dst_md))
    var args: [(Int32, Tensor)] = [(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, weights), (DNNL_ARG_DST, out)]
    if let b = bias { args.append((DNNL_ARG_BIAS, b.converted(to: biasDesc))) }
    try Engine.shared.execute(fwd, args)
    return out
}

/// Runs a weighted layer's backward-data primitive (convolution, inner product): the input
/// gradient from the output gradient and the weights, each read in the layout `bwd` chose.
func executeBackwardData(_ bwd: Primitive, gradOut: Tensor, weights: Tensor, inputShape: [Int]) throws -> Tensor {
    let result = Tensor(shape: inputShape, desc: bwd.desc(dnnl_query_diff_src_md))
    try Engine.shared.execute(bwd, [(DNNL_ARG_DIFF_DST, gradOut.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                    (DNNL_ARG_WEIGHTS, weights.converted(to: bwd.desc(dnnl_query_weights_md))),
                                    (DNNL_ARG_DIFF_SRC, result)])
    return result
}

/// Runs a weighted layer's backward-weights primitive (convolution, inner product) on the
/// input `src` the forward read and the output gradient: the weight gradient of logical shape
/// `weightShape`, row-major, and the bias gradient `[biasCount]` when the layer has a bias.
func executeBackwardWeights(_ bwd: Primitive, src: Tensor, gradOut: Tensor, weightShape: [Int],
                            biasCount: Int?) throws -> (weight: Tensor, bias: Tensor?) {
    let gw = Tensor(shape: weightShape, desc: bwd.desc(dnnl_query_diff_weights_md))
    var args: [(Int32, Tensor)] = [(DNNL_ARG_SRC, src.converted(to: bwd.desc(dnnl_query_src_md))),
                                   (DNNL_ARG_DIFF_DST, gradOut.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                   (DNNL_ARG_DIFF_WEIGHTS, gw)]
    let gb = biasCount.map { Tensor(uninitialized: [$0]) }
    if let gb { args.append((DNNL_ARG_DIFF_BIAS, gb)) }
    try Engine.shared.execute(bwd, args)
    return (gw.converted(to: DNNL.plainDesc(weightShape)), gb)
}

/// The backward step of a weighted layer (convolution, inner product) for the output gradient
/// `gradOut`: the input gradient (when `needs.input`) through the backward-data primitive that
/// `backwardData` describes, the weight and bias gradients (when either is needed) through the
/// one `backwardWeights` describes. The primitives are cached as `op.backward_data` and
/// `op.backward_weights` with the forward's `key`. `src` and `weights` are what the forward
/// read; the weight gradient is row-major in `weightShape`, the bias gradient `[biasCount]`.
func weightedLayerGradients(_ op: String, key: PrimitiveKey, gradOut: Tensor, src: Tensor, weights: Tensor,
                            inputShape: [Int], weightShape: [Int], biasCount: Int?,
                            needs: (input: Bool, weight: Bool, bias: Bool),
                            backwardData: () throws -> OpaquePointer,
                            backwardWeights: () throws -> OpaquePointer) throws -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    var dx: Tensor?
    if needs.input {
        var k = PrimitiveKey("\(op).backward_data")
        k.add(key.values)
        let bwd = try Engine.shared.primitive(k, create: backwardData)
        dx = try executeBackwardData(bwd, gradOut: gradOut, weights: weights, inputShape: inputShape)
    }
    guard needs.weight || needs.bias else { return (dx, nil, nil) }
    var k = PrimitiveKey("\(op).backward_weights")
    k.add(key.values)
    let bwd = try Engine.shared.primitive(k, create: backwardWeights)
    let (gw, gb) = try executeBackwardWeights(bwd, src: src, gradOut: gradOut, weightShape: weightShape, biasCount: biasCount)
    return (dx, needs.weight ? gw : nil, needs.bias ? gb : nil)
}
