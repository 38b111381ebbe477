import CDNNL

/// The geometry of a 2-D max or average pooling, with PyTorch's meaning of every field.
public struct Pool2dConfig: Sendable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    /// Implicit padding on both sides of each axis; at most half the kernel.
    public var padding: (Int, Int)
    /// Rounds the output size up, letting the last window hang over the padded input.
    public var ceilMode: Bool
    /// Whether average pooling counts padding positions in the divisor.
    public var countIncludePad: Bool

    /// `stride` defaults to `kernel`, as in PyTorch.
    public init(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }
}

/// 2-D max pooling of `x` `[N, C, H, W]`, as `torch.nn.functional.max_pool2d` (padding never wins).
public func maxPool2d(_ x: Tensor, _ config: Pool2dConfig) throws -> Tensor {
    try GraphRecorder.recording(.maxPool2d(config), [x]) { try pool2d(x, config, op: "max_pool2d", alg: dnnl_pooling_max) }
}

/// 2-D average pooling of `x` `[N, C, H, W]`, as `torch.nn.functional.avg_pool2d`, including
/// its divisor for windows that `ceilMode` lets hang over the padded input.
public func avgPool2d(_ x: Tensor, _ config: Pool2dConfig) throws -> Tensor {
    try GraphRecorder.recording(.avgPool2d(config), [x]) {
        try pool2d(x, config, op: "avg_pool2d",
                   alg: config.countIncludePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding)
    }
}

/// PyTorch's pooled size along one axis (`pooling_output_shape`).
func pooledSize(_ input: Int, kernel: Int, stride: Int, pad: Int, ceilMode: Bool) -> Int {
    let span = input + 2 * pad - kernel
    var out = (ceilMode ? span + stride - 1 : span) / stride + 1
    if ceilMode && (out - 1) * stride >= input + pad { out -= 1 }
    return out
}

/// For each output position along one axis, kernel / PyTorch's include-padding divisor: not 1
/// only where a ceil-mode window hangs past the padded input, which oneDNN still divides by
/// the whole kernel.
func includePadCorrection(_ input: Int, outputs: Int, kernel: Int, stride: Int, pad: Int) -> [Float] {
    (0..<outputs).map { i in
        let start = i * stride - pad
        return Float(kernel) / Float(min(start + kernel, input + pad) - start)
    }
}

/// `t` times `rows[i] · cols[j]` at every spatial position (i, j), row-major.
private func scaledPerPosition(_ t: Tensor, rows: [Float], cols: [Float]) -> Tensor {
    var v = t.toArray()
    let plane = rows.count * cols.count
    for base in stride(from: 0, to: v.count, by: plane) {
        for i in rows.indices { for j in cols.indices { v[base + i * cols.count + j] *= rows[i] * cols[j] } }
    }
    return Tensor(shape: t.shape, data: v)
}

private func pool2d(_ x: Tensor, _ config: Pool2dConfig, op: String, alg: dnnl_alg_kind_t) throws -> Tensor {
    let (kh, kw) = config.kernel, (sh, sw) = config.stride, (ph, pw) = config.padding
    guard x.shape.count == 4 else {
        throw GraftError.shapeMismatch(op: op, detail: "input must be [N, C, H, W]; input vs kernel", lhs: x.shape, rhs: [kh, kw])
    }
    guard kh > 0, kw > 0, sh > 0, sw > 0, ph >= 0, pw >= 0 else {
        throw GraftError.invalidArgument(op: op, detail: "kernel and stride must be positive and padding non-negative")
    }
    guard ph <= kh / 2, pw <= kw / 2 else {
        throw GraftError.invalidArgument(op: op, detail: "padding (\(ph), \(pw)) must be at most half the kernel (\(kh), \(kw))")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    guard h + 2 * ph >= kh, w + 2 * pw >= kw else {
        throw GraftError.shapeMismatch(op: op, detail: "kernel larger than the padded input; input vs kernel", lhs: x.shape, rhs: [kh, kw])
    }
    let oh = pooledSize(h, kernel: kh, stride: sh, pad: ph, ceilMode: config.ceilMode)
    let ow = pooledSize(w, kernel: kw, stride: sw, pad: pw, ceilMode: config.ceilMode)
    let outShape = [n, c, oh, ow]
    FLOPCounter.add(product: n, c, oh, ow, kh, kw)
    // The right padding that gives oneDNN PyTorch's output size (extra for ceil mode).
    let padR = [max(ph, (oh - 1) * sh + kh - h - ph), max(pw, (ow - 1) * sw + kw - w - pw)]
    var rowFix: [Float] = [], colFix: [Float] = []
    if alg == dnnl_pooling_avg_include_padding {
        rowFix = includePadCorrection(h, outputs: oh, kernel: kh, stride: sh, pad: ph)
        colFix = includePadCorrection(w, outputs: ow, kernel: kw, stride: sw, pad: pw)
        if (rowFix + colFix).allSatisfy({ $0 == 1 }) { rowFix = []; colFix = [] }
    }
    let record = GradMode.isEnabled && x.requiresGrad

    let (fwd, key) = try poolingForwardPrimitive(x.desc, outShape: outShape, config, padRight: padR, op: op, alg: alg,
                                                 training: record)
    let srcDesc = x.desc
    let dstDesc = fwd.desc(dnnl_query_dst_md)
    let out = Tensor(shape: outShape, desc: dstDesc)
    var args: [(Int32, Tensor)] = [(DNNL_ARG_SRC, x), (DNNL_ARG_DST, out)]
    let wsDesc = fwd.desc(dnnl_query_workspace_md)
    let workspace = DNNL.byteSize(wsDesc) > 0 ? Tensor(shape: outShape, desc: wsDesc) : nil
    if let workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
    try Engine.shared.execute(fwd, args)
    let result = rowFix.isEmpty ? out : scaledPerPosition(out, rows: rowFix, cols: colFix)

    recordGrad(result, op: op, inputs: [x]) { gradOut in
        var k = PrimitiveKey("\(op).backward")
        k.add(key.values)
        let bwd = try Engine.shared.primitive(k) {
            let strides = DNNL.dims([sh, sw]), kernel = DNNL.dims([kh, kw])
            let padL = DNNL.dims([ph, pw]), padRight = DNNL.dims(padR)
            var d = dnnl_pooling_desc_t()
            var (sd, dd) = (srcDesc, dstDesc)
            try DNNL.check(dnnl_pooling_backward_desc_init(&d, alg, &sd, &dd, strides, kernel, padL, padRight), op)
            return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
        }
        let dy = rowFix.isEmpty ? gradOut : scaledPerPosition(gradOut, rows: rowFix, cols: colFix)
        let dx = Tensor(shape: x.shape, desc: bwd.desc(dnnl_query_diff_src_md))
        var bargs: [(Int32, Tensor)] = [(DNNL_ARG_DIFF_DST, dy.converted(to: bwd.desc(dnnl_query_diff_dst_md))),
                                        (DNNL_ARG_DIFF_SRC, dx)]
        if let workspace { bargs.append((DNNL_ARG_WORKSPACE, workspace)) }
        try Engine.shared.execute(bwd, bargs)
        return [dx]
    }
    return result
}

/// Adaptive average pooling of `x` `[N, C, H, W]` to `[N, C, outputSize.0, outputSize.1]`, as
/// `torch.nn.functional.adaptive_avg_pool2d`: output `i` averages rows
/// `floor(i·H/out) ..< ceil((i+1)·H/out)`, and likewise for columns. One oneDNN average
/// pooling when the sizes divide evenly; an exact loop on row-major data otherwise.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
    try GraphRecorder.recording(.adaptiveAvgPool2d(outputSize: outputSize), [x]) { try unrecordedAdaptiveAvgPool2d(x, outputSize: outputSize) }
}

/// `adaptiveAvgPool2d` as the op computes it, with no graph recording.
private func unrecordedAdaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
    let op = "adaptive_avg_pool2d"
    let (oh, ow) = outputSize
    guard x.shape.count == 4 else {
        throw GraftError.shapeMismatch(op: op, detail: "input must be [N, C, H, W]; input vs output size", lhs: x.shape, rhs: [oh, ow])
    }
    guard oh > 0, ow > 0 else {
        throw GraftError.invalidArgument(op: op, detail: "output size (\(oh), \(ow)) must be positive")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    if h % oh == 0 && w % ow == 0 {
        return try avgPool2d(x, Pool2dConfig(kernel: (h / oh, w / ow)))
    }
    func windows(_ input: Int, _ output: Int) -> [Range<Int>] {
        (0..<output).map { i in (i * input / output)..<(((i + 1) * input + output - 1) / output) }
    }
    let rows = windows(h, oh), cols = windows(w, ow)
    FLOPCounter.add(x.count)
    let planes = n * c
    let xs = x.toArray()
    var ys = [Float](repeating: 0, count: planes * oh * ow)
    for p in 0..<planes {
        for (i, r) in rows.enumerated() {
            for (j, cl) in cols.enumerated() {
                var sum: Float = 0
                for y in r { for xx in cl { sum += xs[(p * h + y) * w + xx] } }
                ys[(p * oh + i) * ow + j] = sum / Float(r.count * cl.count)
            }
        }
    }
    let out = Tensor(shape: [n, c, oh, ow], data: ys)
    recordGrad(out, op: op, inputs: [x]) { gradOut in
        let dys = gradOut.toArray()
        var dxs = [Float](repeating: 0, count: planes * h * w)
        for p in 0..<planes {
            for (i, r) in rows.enumerated() {
                for (j, cl) in cols.enumerated() {
                    let g = dys[(p * oh + i) * ow + j] / Float(r.count * cl.count)
                    for y in r { for xx in cl { dxs[(p * h + y) * w + xx] += g } }
                }
            }
        }
        return [Tensor(shape: x.shape, data: dxs)]
    }
    return out
}

/// The pooling forward primitive (cached) reading `srcDesc` and writing `outShape` in the
/// layout it picks and the source's type; `padRight` is the right padding oneDNN needs.
func poolingForwardPrimitive(_ srcDesc: dnnl_memory_desc_t, outShape: [Int], _ config: Pool2dConfig, padRight padR: [Int],
                             op: String, alg: dnnl_alg_kind_t, training: Bool) throws -> (primitive: Primitive, key: PrimitiveKey) {
    let (kh, kw) = config.kernel, (sh, sw) = config.stride, (ph, pw) = config.padding
    var key = PrimitiveKey("\(op).forward")
    key.add(srcDesc); key.add(Int(alg.rawValue)); key.add([kh, kw, sh, sw, ph, pw] + padR); key.add(training ? 1 : 0)
    let strides = DNNL.dims([sh, sw]), kernel = DNNL.dims([kh, kw])
    let padL = DNNL.dims([ph, pw]), padRight = DNNL.dims(padR)
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_pooling_desc_t()
        var (sd, dd) = (srcDesc, DNNL.anyDesc(outShape, srcDesc.data_type))
        try DNNL.check(dnnl_pooling_forward_desc_init(&d, training ? dnnl_forward_training : dnnl_forward_inference, alg,
                                                      &sd, &dd, strides, kernel, padL, padRight), op)
        return try Engine.shared.makeDesc(op, &d)
    }
    return (p, key)
}
