import CDNNL

/// Batch normalisation of `x` `[N, C, H, W]` (or `[N, C]`) per channel, as
/// `torch.nn.functional.batch_norm`: `y = (x - mean) / sqrt(var + eps) · weight + bias`.
///
/// With `training` true it normalises with the batch's statistics (biased variance) and
/// updates `runningMean` and `runningVar` (row-major `[C]`) in place to
/// `(1 - momentum) · running + momentum · batch`, using the unbiased batch variance; it does
/// so whether or not gradients are recorded. With `training` false it normalises with the
/// running statistics. `weight` (gamma) and `bias` (beta), `[C]`, are optional. With `relu`
/// the result is `relu(y)`, computed by the same primitive (which keeps a bit mask of the
/// positive outputs for the backward pass instead of a separate ReLU's output).
public func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor,
                      training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false) throws -> Tensor {
    if training { GraphRecorder.trains("batch_norm on batch statistics (training mode)") }
    if (weight == nil) != (bias == nil) { GraphRecorder.reject("batch_norm with only one of weight and bias") }
    return try GraphRecorder.recording(.batchNorm(affine: weight != nil && bias != nil, eps: eps, relu: relu,
                                                  training: training, momentum: momentum),
                                       [x] + [weight, bias].compactMap { $0 } + [runningMean, runningVar]) {
        try unrecordedBatchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                training: training, momentum: momentum, eps: eps, relu: relu)
    }
}

/// `batchNorm` as the op computes it, with no graph recording.
private func unrecordedBatchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor,
                                 training: Bool, momentum: Float, eps: Float, relu: Bool) throws -> Tensor {
    let op = "batch_norm"
    guard x.shape.count == 4 || x.shape.count == 2 else {
        throw GraftError.shapeMismatch(op: op, detail: "input must be [N, C, H, W] or [N, C]; input vs running mean",
                                       lhs: x.shape, rhs: runningMean.shape)
    }
    let c = x.shape[1]
    for (name, t) in [("weight", weight), ("bias", bias), ("running mean", runningMean), ("running variance", runningVar)] {
        if let t, t.shape != [c] {
            throw GraftError.shapeMismatch(op: op, detail: "\(name) must have one value per channel; \(name) vs input",
                                           lhs: t.shape, rhs: x.shape)
        }
    }
    guard [runningMean, runningVar].allSatisfy({ $0.dtype == .float32 && $0.isRowMajor }),
          [weight, bias].allSatisfy({ $0 == nil || $0!.dtype == .float32 }) else {
        throw GraftError.invalidArgument(op: op, detail: "weight, bias and running statistics must be float32 (running ones row-major)")
    }
    guard eps >= 0 else { throw GraftError.invalidArgument(op: op, detail: "eps must be non-negative, not \(eps)") }
    let shape4 = x.shape.count == 4 ? x.shape : x.shape + [1, 1]
    let perChannel = shape4[0] * shape4[2] * shape4[3]
    if training && perChannel < 2 {
        throw GraftError.invalidArgument(op: op, detail: "training needs more than one value per channel, input is \(shapeString(x.shape))")
    }

    // [N, C] runs as [N, C, 1, 1] over the same row-major storage.
    func as4d(_ t: Tensor) -> Tensor {
        x.shape.count == 4 ? t : Tensor(shape: shape4, desc: DNNL.plainDesc(shape4), storage: t.converted(to: DNNL.plainDesc(x.shape)).storage)
    }
    func fromX4d(_ t: Tensor) -> Tensor {
        x.shape.count == 4 ? t : Tensor(shape: x.shape, desc: DNNL.plainDesc(x.shape), storage: t.converted(to: DNNL.plainDesc(shape4)).storage)
    }
    let src = as4d(x)
    FLOPCounter.add(product: 2, x.count)
    let dataDesc = src.desc

    var flags: UInt32 = 0
    if weight != nil { flags |= dnnl_use_scale.rawValue }
    if bias != nil { flags |= dnnl_use_shift.rawValue }
    if !training { flags |= dnnl_use_global_stats.rawValue }
    if relu { flags |= dnnl_fuse_norm_relu.rawValue }
    let record = GradMode.isEnabled && (x.requiresGrad || weight?.requiresGrad == true || bias?.requiresGrad == true)
    // Batch statistics are outputs only of a training forward; a recorded forward is the
    // backward's hint.
    let propTraining = training || record

    let (fwd, key) = try batchNormForwardPrimitive(dataDesc, flags: flags, eps: eps, training: propTraining)
    let channelDesc = DNNL.plainDesc([c])
    let scale = weight?.converted(to: channelDesc)
    let shift = bias?.converted(to: channelDesc)
    let mean: Tensor, variance: Tensor
    if training {
        mean = Tensor(uninitialized: [c])
        variance = Tensor(uninitialized: [c])
    } else if record {
        // Copies, so that a later training step cannot change what the backward reads.
        mean = Tensor(shape: [c], data: runningMean.toArray())
        variance = Tensor(shape: [c], data: runningVar.toArray())
    } else {
        (mean, variance) = (runningMean, runningVar)
    }
    let out = Tensor(shape: shape4, desc: dataDesc)
    var args: [(Int32, Tensor)] = [(DNNL_ARG_SRC, src), (DNNL_ARG_DST, out), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance)]
    if let scale { args.append((DNNL_ARG_SCALE, scale)) }
    if let shift { args.append((DNNL_ARG_SHIFT, shift)) }
    let wsDesc = fwd.desc(dnnl_query_workspace_md)
    let workspace = DNNL.byteSize(wsDesc) > 0 ? Tensor(shape: [DNNL.byteSize(wsDesc)], desc: wsDesc) : nil
    if let workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
    try Engine.shared.execute(fwd, args)

    if training {
        let unbias = Float(perChannel) / Float(perChannel - 1)
        mean.withUnsafeMutableFloats { m in
            runningMean.withUnsafeMutableFloats { r in
                for i in 0..<c { r[i] = (1 - momentum) * r[i] + momentum * m[i] }
            }
        }
        variance.withUnsafeMutableFloats { v in
            runningVar.withUnsafeMutableFloats { r in
                for i in 0..<c { r[i] = (1 - momentum) * r[i] + momentum * v[i] * unbias }
            }
        }
    }

    let result = fromX4d(out)
    let inputs = [x] + [weight, bias].compactMap { $0 }
    let needX = x.requiresGrad, needW = weight?.requiresGrad == true, needB = bias?.requiresGrad == true
    recordGrad(result, op: op, inputs: inputs) { gradOut in
        // oneDNN 2.6 implements backward_data only without scale and shift; with them, the
        // full backward also yields their gradients (sums the data gradient needs anyway).
        let prop = flags & (dnnl_use_scale.rawValue | dnnl_use_shift.rawValue) == 0 ? dnnl_backward_data : dnnl_backward
        var k = PrimitiveKey("batch_norm.backward")
        k.add(key.values)
        let bwd = try Engine.shared.primitive(k) {
            var d = dnnl_batch_normalization_desc_t()
            var (dd, md) = (dataDesc, dataDesc)
            try DNNL.check(dnnl_batch_normalization_backward_desc_init(&d, prop, &dd, &md, eps, flags), op)
            return try Engine.shared.makeDesc(op, &d, hint: fwd.pd)
        }
        let dx = Tensor(shape: shape4, desc: bwd.desc(dnnl_query_diff_src_md))
        let dy = as4d(gradOut).converted(to: bwd.desc(dnnl_query_diff_dst_md))
        var bargs: [(Int32, Tensor)] = [(DNNL_ARG_SRC, src), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
                                        (DNNL_ARG_DIFF_DST, dy), (DNNL_ARG_DIFF_SRC, dx)]
        let dw = scale.map { _ in Tensor(uninitialized: [c]) }, db = shift.map { _ in Tensor(uninitialized: [c]) }
        if let scale, let dw { bargs += [(DNNL_ARG_SCALE, scale), (DNNL_ARG_DIFF_SCALE, dw)] }
        if let shift, let db { bargs += [(DNNL_ARG_SHIFT, shift), (DNNL_ARG_DIFF_SHIFT, db)] }
        if let workspace { bargs.append((DNNL_ARG_WORKSPACE, workspace)) }
        try Engine.shared.execute(bwd, bargs)
        var grads: [Tensor?] = [needX ? fromX4d(dx) : nil]
        if weight != nil { grads.append(needW ? dw : nil) }
        if bias != nil { grads.append(needB ? db : nil) }
        return grads
    }
    return result
}

/// The batch normalisation forward primitive over `desc` with oneDNN's `flags`, cached as
/// `batch_norm.forward`.
func batchNormForwardPrimitive(_ desc: dnnl_memory_desc_t, flags: UInt32, eps: Float,
                               training: Bool) throws -> (primitive: Primitive, key: PrimitiveKey) {
    var key = PrimitiveKey("batch_norm.forward")
    key.add(desc); key.add(Int(flags)); key.add(eps); key.add(training ? 1 : 0)
    let p = try Engine.shared.primitive(key) {
        var d = dnnl_batch_normalization_desc_t()
        var md = desc
        try DNNL.check(dnnl_batch_normalization_forward_desc_init(
            &d, training ? dnnl_forward_training : dnnl_forward_inference, &md, eps, flags), "batch_norm")
        return try Engine.shared.makeDesc("batch_norm", &d)
    }
    return (p, key)
}
