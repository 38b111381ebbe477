import CDNNL

/// Runs a weighted layer's backward-data primitive (convolution, inner product): the input
/// gradient from the output gradient and the weights, each read in the layout `bwd` chose.
func executeBackwardData(_ bwd: Primitive, gradOut: Tensor, weights: Tensor, inputShape: [Int]) throws -> Tensor {
    let result = Tensor(shape: inputShape, desc: bwd.desc(dnnl_query_diff_src_md))
    try Engine.shared.execute(bwd, [(DNNL_ARG_DIFF_DST, gradOut.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                    (DNNL_ARG_WEIGHTS, weights.converted(to: bwd.desc(dnnl_query_weights_md))),
                                    (DNNL_ARG_DIFF_SRC, result)])
    return result
}
