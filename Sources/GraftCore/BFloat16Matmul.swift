import CDNNL

/// `a` `[m, k]` · `b` `[k, n]` as oneDNN's matmul computes it on bfloat16 operands: each
/// operand rounded to bfloat16 once, in the layout the primitive picks, the products summed in
/// float32 into a row-major float32 `[m, n]` result. `run()` repeats the product on the same
/// operands (the bf16 peak times it).
struct BFloat16Matmul {
    let primitive: Primitive
    let a: Tensor, b: Tensor
    /// The product, valid after `run()`.
    let product: Tensor

    init(a: Tensor, b: Tensor) throws {
        let op = "bf16 matmul"
        guard a.shape.count == 2, b.shape.count == 2, a.shape[1] == b.shape[0] else {
            throw GraftError.shapeMismatch(op: op, detail: "needs [m, k] · [k, n]; a vs b", lhs: a.shape, rhs: b.shape)
        }
        let outShape = [a.shape[0], b.shape[1]]
        var d = dnnl_matmul_desc_t()
        var (sa, wa, da) = (DNNL.anyDesc(a.shape, dnnl_bf16), DNNL.anyDesc(b.shape, dnnl_bf16), DNNL.plainDesc(outShape))
        try DNNL.check(dnnl_matmul_desc_init(&d, &sa, &wa, nil, &da), op)
        primitive = try Primitive(kind: op, pd: Engine.shared.makeDesc(op, &d))
        self.a = a.converted(to: primitive.desc(dnnl_query_src_md))
        self.b = b.converted(to: primitive.desc(dnnl_query_weights_md))
        product = Tensor(shape: outShape, desc: primitive.desc(dnnl_query_dst_md))
    }

    func run() throws {
        try Engine.shared.execute(primitive, [(DNNL_ARG_SRC, a), (DNNL_ARG_WEIGHTS, b), (DNNL_ARG_DST, product)])
    }
}
