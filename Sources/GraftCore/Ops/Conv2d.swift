import CDNNL

/// Zero padding on the four sides of an image; `symmetric(p)` pads p everywhere.
public struct Padding2d: Hashable, Sendable {
    public var top: Int, left: Int, bottom: Int, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    /// `h` rows above and below, `w` columns left and right.
    public init(_ h: Int, _ w: Int) { self.init(top: h, left: w, bottom: h, right: w) }

    public static func symmetric(_ p: Int) -> Padding2d { Padding2d(p, p) }
    public static let zero = Padding2d(0, 0)
}

/// The geometry of a 2-D convolution.
public struct Conv2dConfig: Hashable, Sendable {
    public var stride: (Int, Int)
    public var padding: Padding2d
    public var dilation: (Int, Int)
    public var groups: Int

    public init(stride: (Int, Int) = (1, 1), padding: Padding2d = .zero, dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation && a.groups == b.groups
    }

    public func hash(into h: inout Hasher) {
        h.combine(stride.0); h.combine(stride.1); h.combine(padding)
        h.combine(dilation.0); h.combine(dilation.1); h.combine(groups)
    }

    var keyValues: [Int] {
        [stride.0, stride.1, padding.top, padding.left, padding.bottom, padding.right, dilation.0, dilation.1, groups]
    }
}

/// Output size of a convolution or pooling window along one axis.
func windowOutputSize(_ input: Int, kernel: Int, stride: Int, padBefore: Int, padAfter: Int, dilation: Int = 1) -> Int {
    (input + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride + 1
}

/// 2-D convolution of `x` `[N, C, H, W]` with `weight` `[O, C/groups, KH, KW]` and an optional
/// `bias` `[O]`, as `torch.nn.functional.conv2d` (cross-correlation). Runs on oneDNN with the
/// layouts it picks; the weight gradient comes back in OIHW.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, _ config: Conv2dConfig = Conv2dConfig()) throws -> Tensor {
    try GraphRecorder.recording(.conv2d(config, hasBias: bias != nil, sum: false, activation: nil), [x, weight] + (bias.map { [$0] } ?? [])) {
        try conv2d(x, weight: weight, bias: bias, config, adding: nil, activation: nil)
    }
}

/// `relu(conv2d(x, weight, bias, config))` as one oneDNN convolution with a ReLU post-op, for
/// inference: it records no gradient, so it throws `GraftError.invalidArgument` when gradients
/// are enabled and an input requires one.
public func conv2dReLU(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, _ config: Conv2dConfig = Conv2dConfig()) throws -> Tensor {
    try GraphRecorder.recording(.conv2d(config, hasBias: bias != nil, sum: false, activation: .relu), [x, weight] + (bias.map { [$0] } ?? [])) {
        try conv2d(x, weight: weight, bias: bias, config, adding: nil, activation: .relu)
    }
}

/// `conv2d`, then `+ addend` (of the output's shape) and `activation`, each if given, applied by
/// the convolution itself as oneDNN post-ops (sum, then eltwise); with either it records no
/// gradient, so it throws if one would be recorded.
func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, _ config: Conv2dConfig, adding addend: Tensor?,
            activation: FusedActivation?) throws -> Tensor {
    let op = "conv2d"
    guard x.shape.count == 4 else {
        throw GraftError.shapeMismatch(op: op, detail: "input must be [N, C, H, W]; weight", lhs: x.shape, rhs: weight.shape)
    }
    guard weight.shape.count == 4 else {
        throw GraftError.shapeMismatch(op: op, detail: "weight must be [O, C/groups, KH, KW]; input", lhs: x.shape, rhs: weight.shape)
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, ig, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    let g = config.groups
    guard config.stride.0 > 0, config.stride.1 > 0, config.dilation.0 > 0, config.dilation.1 > 0, g > 0,
          min(config.padding.top, config.padding.left, config.padding.bottom, config.padding.right) >= 0 else {
        throw GraftError.invalidArgument(op: op, detail: "stride, dilation and groups must be positive and padding non-negative")
    }
    guard c == ig * g, o % g == 0 else {
        throw GraftError.shapeMismatch(op: op, detail: "input channels must equal weight's in-channels × groups (\(g)); input vs weight",
                                       lhs: x.shape, rhs: weight.shape)
    }
    if let b = bias, b.shape != [o] {
        throw GraftError.shapeMismatch(op: op, detail: "bias must have one value per output channel; bias vs weight",
                                       lhs: b.shape, rhs: weight.shape)
    }
    let p = config.padding
    let oh = windowOutputSize(h, kernel: kh, stride: config.stride.0, padBefore: p.top, padAfter: p.bottom, dilation: config.dilation.0)
    let ow = windowOutputSize(w, kernel: kw, stride: config.stride.1, padBefore: p.left, padAfter: p.right, dilation: config.dilation.1)
    guard oh > 0, ow > 0 else {
        throw GraftError.shapeMismatch(op: op, detail: "kernel larger than the padded input; input vs weight", lhs: x.shape, rhs: weight.shape)
    }
    let outShape = [n, o, oh, ow]
    FLOPCounter.add(product: n, o, oh, ow, 2 * ig * kh * kw + (bias == nil ? 0 : 1))
    // oneDNN wants grouped weights as [G, O/G, C/G, KH, KW]: the same memory as OIHW.
    let wShape = g == 1 ? weight.shape : [g, o / g, ig, kh, kw]
    let training = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    if (activation != nil || addend != nil) && (training || GradMode.isEnabled && addend?.requiresGrad == true) {
        throw GraftError.invalidArgument(op: op, detail: "a fused activation or sum records no gradient; run it without gradients")
    }
    if let addend, addend.shape != outShape || addend.dtype != .float32 {
        throw GraftError.shapeMismatch(op: op, detail: "the fused sum's addend must be float32 of the output's shape; addend vs output",
                                       lhs: addend.shape, rhs: outShape)
    }

    // Under bf16 the operands (input, weights, output gradient) are bfloat16; results,
    // bias and weight gradients stay float32. Grouped and depthwise convolutions stay float32:
    // they are memory-bound, and oneDNN 2.6's bf16 kernels for them are slower than its f32 ones.
    let precision = g == 1 ? Engine.shared.precision : .float32, lowp = precision.operandType
    let (fwd, key) = try convolutionForwardPrimitive(inputShape: x.shape, weightShape: weight.shape, config, hasBias: bias != nil,
                                                     training: training, precision: precision, sum: addend != nil,
                                                     activation: activation, outputType: dnnl_f32)
    let strides = DNNL.dims([config.stride.0, config.stride.1])
    let dilates = DNNL.dims([config.dilation.0 - 1, config.dilation.1 - 1])
    let padL = DNNL.dims([p.top, p.left]), padR = DNNL.dims([p.bottom, p.right])
    var biasDesc = DNNL.plainDesc([o])
    let src = x.converted(to: fwd.desc(dnnl_query_src_md))
    let wDesc = fwd.desc(dnnl_query_weights_md)
    func blockedWeight() -> Tensor { convolutionWeight(weight, groups: g, in: wDesc) }
    // A weight that gets no gradient (frozen, or inference) keeps its reorder until it changes.
    let wt = GradMode.isEnabled && weight.requiresGrad ? blockedWeight() : weight.cachedConversion(to: wDesc, blockedWeight)
    // The sum post-op adds to what the output holds: the addend, in the output's layout, in a copy of its own.
    let dst = addend.map { a in
        let converted = a.converted(to: fwd.desc(dnnl_query_dst_md))
        return converted === a ? a.copy() : converted
    }
    let out = try executeWeightedForward(fwd, src: src, weights: wt, bias: bias, biasDesc: biasDesc, outShape: outShape, dst: dst)

    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let needX = x.requiresGrad, needW = weight.requiresGrad, needB = bias?.requiresGrad == true
    // The backward keeps `src` (the input as the primitive read it), never `x` itself.
    let inShape = x.shape, weightShape = weight.shape
    recordGrad(out, op: op, inputs: inputs) { gradOut in
        let g = try weightedLayerGradients(
            op, key: key, gradOut: gradOut.converted(to: fwd.desc(dnnl_query_dst_md)), src: src, weights: wt,
            inputShape: inShape, weightShape: wShape, biasCount: bias == nil ? nil : o, needs: (needX, needW, needB),
            backwardData: {
                var d = dnnl_convolution_desc_t()
                var (sa, wa, da) = (DNNL.anyDesc(inShape), DNNL.anyDesc(wShape, lowp), DNNL.anyDesc(outShape, lowp))
                try DNNL.check(dnnl_dilated_convolution_backward_data_desc_init(
                    &d, dnnl_convolution_direct, &sa, &wa, &da, strides, dilates, padL, padR), op)
                return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
            },
            backwardWeights: {
                var d = dnnl_convolution_desc_t()
                var (sa, wa, da) = (DNNL.anyDesc(inShape, lowp), DNNL.anyDesc(wShape), DNNL.anyDesc(outShape, lowp))
                try withOptionalPointer(to: &biasDesc, if: bias != nil) { bd in
                    try DNNL.check(dnnl_dilated_convolution_backward_weights_desc_init(
                        &d, dnnl_convolution_direct, &sa, &wa, bd, &da, strides, dilates, padL, padR), op)
                }
                return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
            })
        // The gradient of grouped weights [G, O/G, C/G, KH, KW] is the same memory as OIHW.
        let dw = g.weight.map { Tensor(shape: weightShape, desc: DNNL.plainDesc(weightShape), storage: $0.storage) }
        return [g.input, dw] + (bias == nil ? [] : [g.bias])
    }
    return out
}

/// The forward convolution primitive (cached) for an input and weight of these shapes, with
/// the fused sum and activation post-ops if asked; it multiplies in `precision` (its source
/// and weights take that type and the layouts oneDNN picks) and writes `outputType`.
func convolutionForwardPrimitive(inputShape: [Int], weightShape: [Int], _ config: Conv2dConfig, hasBias: Bool,
                                 training: Bool, precision: ComputePrecision, sum: Bool, activation: FusedActivation?,
                                 outputType: dnnl_data_type_t) throws -> (primitive: Primitive, key: PrimitiveKey) {
    let op = "conv2d", g = config.groups, p = config.padding
    let (o, ig, kh, kw) = (weightShape[0], weightShape[1], weightShape[2], weightShape[3])
    let oh = windowOutputSize(inputShape[2], kernel: kh, stride: config.stride.0, padBefore: p.top, padAfter: p.bottom,
                              dilation: config.dilation.0)
    let ow = windowOutputSize(inputShape[3], kernel: kw, stride: config.stride.1, padBefore: p.left, padAfter: p.right,
                              dilation: config.dilation.1)
    let outShape = [inputShape[0], o, oh, ow]
    let wShape = g == 1 ? weightShape : [g, o / g, ig, kh, kw]
    let lowp = precision.operandType
    var key = PrimitiveKey("conv2d.forward")
    key.add(inputShape); key.add(weightShape); key.add(config.keyValues)
    key.add(hasBias ? 1 : 0); key.add(training ? 1 : 0); key.add(precision == .bfloat16 ? 1 : 0)
    key.add(activation.map { Int($0.eltwise.algorithm.rawValue) } ?? 0); key.add(sum ? 1 : 0)
    key.add(Int(outputType.rawValue))
    let strides = DNNL.dims([config.stride.0, config.stride.1])
    let dilates = DNNL.dims([config.dilation.0 - 1, config.dilation.1 - 1])
    let padL = DNNL.dims([p.top, p.left]), padR = DNNL.dims([p.bottom, p.right])
    var srcAny = DNNL.anyDesc(inputShape, lowp), wAny = DNNL.anyDesc(wShape, lowp), dstAny = DNNL.anyDesc(outShape, outputType)
    var biasDesc = DNNL.plainDesc([o])
    let fwd = try Engine.shared.primitive(key) {
        var d = dnnl_convolution_desc_t()
        try withOptionalPointer(to: &biasDesc, if: hasBias) { bd in
            try DNNL.check(dnnl_dilated_convolution_forward_desc_init(
                &d, training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
                &srcAny, &wAny, bd, &dstAny, strides, dilates, padL, padR), op)
        }
        guard activation != nil || sum else { return try Engine.shared.makeDesc(op, &d) }
        return try withPostOps(sum: sum, activation, op) { attr in try Engine.shared.makeDesc(op, &d, attr: attr) }
    }
    return (fwd, key)
}

/// `weight` (OIHW) in the convolution weight layout `desc`; grouped weights are read as
/// [G, O/G, C/G, KH, KW], the same memory.
func convolutionWeight(_ weight: Tensor, groups: Int, in desc: dnnl_memory_desc_t) -> Tensor {
    let s = weight.shape
    let wShape = groups == 1 ? s : [groups, s[0] / groups, s[1], s[2], s[3]]
    let wPlain = weight.converted(to: DNNL.plainDesc(s))
    let wView = Tensor(shape: wShape, desc: DNNL.plainDesc(wShape), storage: wPlain.storage)
    return wView.converted(to: desc)
}
