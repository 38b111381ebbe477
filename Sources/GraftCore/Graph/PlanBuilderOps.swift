import CDNNL

/// The ops `PlanBuilder` compiles besides convolutions, linear layers, single element-wise
/// activations and poolings: sums and products (the second operand broadcast), hardsigmoid,
/// concatenation, softmax, batch normalisation on running statistics and LRN. Each keeps
/// the layout its input arrives in where oneDNN takes it, and falls back to running eagerly
/// where oneDNN cannot express the op exactly.
extension PlanBuilder {
    /// `a + b` or `a ⊙ b` where one operand has the output's shape and the other has it or
    /// broadcasts to it. Both ops commute, so the full-shape operand is oneDNN's first source
    /// and the result keeps its layout; a broadcast second operand is read row-major.
    mutating func compileBinary(_ node: GraphNode, _ alg: dnnl_alg_kind_t) throws {
        let outShape = try valueShape(node.output)
        guard node.inputs.count == 2, node.inputs.allSatisfy(isValue) else { return try compileEager(node) }
        var (first, second) = (node.inputs[0], node.inputs[1])
        if try shapeOf(first) != outShape { swap(&first, &second) }
        let secondShape = try shapeOf(second)
        guard try shapeOf(first) == outShape, secondShape.count == outShape.count else { return try compileEager(node) }
        let a = use(try slot(first))
        let desc = retyped(slots[a].desc, type(node.output))
        let desc1 = secondShape == outShape ? desc : DNNL.plainDesc(secondShape, type(node.output))
        let p = try binaryPrimitive(alg, desc, desc1, op: "\(node.op.name).forward")
        if outShape.count == 4, secondShape == [outShape[0], outShape[1], 1, 1], p.implementation.hasPrefix("ref") {
            return try compilePerChannelScale(node, alg, full: first, perChannel: second)
        }
        let (s0, s1) = (use(a, as: desc), use(try slot(second), as: desc1))
        try emit(node, .primitive(p, [(DNNL_ARG_SRC_0, .slot(s0)), (DNNL_ARG_SRC_1, .slot(s1)), (DNNL_ARG_DST, .slot(slots.count))]),
                 reads: [s0, s1], desc: desc, inPlaceOf: s0)
    }

    /// `x ⊙ s` (or `x + s`) for `x` `[N, C, H, W]` and `s` `[N, C, 1, 1]` (a squeeze-and-excitation
    /// scale) where `x`'s layout has no fast oneDNN 2.6 kernel for a second source varying along
    /// N and C (blocked layouts: its reference one took most of RegNet-Y's time; channels-last
    /// has one): both run row-major as `[1, N·C, H, W]` and `[1, N·C, 1, 1]`, a per-channel
    /// broadcast, which it has.
    mutating func compilePerChannelScale(_ node: GraphNode, _ alg: dnnl_alg_kind_t, full: GraphOperand, perChannel: GraphOperand) throws {
        let shape = try valueShape(node.output), t = type(node.output)
        let s0 = use(try slot(full), as: DNNL.plainDesc(shape, t))
        let s1 = use(try slot(perChannel), as: DNNL.plainDesc([shape[0], shape[1], 1, 1], t))
        let (flat, flatScale) = (DNNL.plainDesc([1, shape[0] * shape[1], shape[2], shape[3]], t), DNNL.plainDesc([1, shape[0] * shape[1], 1, 1], t))
        let p = try binaryPrimitive(alg, flat, flatScale, op: "\(node.op.name).forward")
        let first = views.count
        views += [(s0, flat), (s1, flatScale), (slots.count, flat)]
        try emit(node, .primitive(p, [(DNNL_ARG_SRC_0, .view(first)), (DNNL_ARG_SRC_1, .view(first + 1)), (DNNL_ARG_DST, .view(first + 2))]),
                 reads: [s0, s1], desc: DNNL.plainDesc(shape, t), inPlaceOf: s0)
    }

    /// `clip(x / 6 + 1/2, 0, 1)` as the eager op computes it (oneDNN 2.6 has no hardsigmoid):
    /// a linear step, then a clip over its output in place.
    mutating func compileHardsigmoid(_ node: GraphNode, alpha: Float, beta: Float) throws {
        let x = use(try slot(node.inputs[0]))
        let source = use(x, as: retyped(slots[x].desc, type(node.output)))
        let desc = slots[source].desc
        let (linear, _) = try eltwiseForwardPrimitive(desc, "hardsigmoid.linear", dnnl_eltwise_linear, alpha: alpha, beta: beta, training: false)
        let shifted = addSlot(slots[source].shape, desc)
        steps.append(CompiledStep(name: "hardsigmoid.linear", attributes: [],
                                  action: .primitive(linear, [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_DST, .slot(shifted))]),
                                  access: BufferAccess(reads: [source], writes: shifted, inPlaceOf: source)))
        let (clip, _) = try eltwiseForwardPrimitive(desc, "hardsigmoid", dnnl_eltwise_clip_v2_use_dst_for_bwd, alpha: 0, beta: 1, training: false)
        try emit(node, .primitive(clip, [(DNNL_ARG_SRC, .slot(shifted)), (DNNL_ARG_DST, .slot(slots.count))]), reads: [shifted],
                 desc: desc, inPlaceOf: shifted)
    }

    /// Concatenation along `axis`, each input read in its own layout (converted to the output's
    /// type) when oneDNN can write it into its window of the output, row-major otherwise.
    mutating func compileConcat(_ node: GraphNode, axis: Int) throws {
        let outShape = try valueShape(node.output)
        let ax = axis < 0 ? axis + outShape.count : axis
        guard node.inputs.allSatisfy(isValue), (0..<outShape.count).contains(ax) else { return try compileEager(node) }
        var inputs: [Int] = []
        for operand in node.inputs { inputs.append(use(try slot(operand))) }
        let t = type(node.output)
        var descs = inputs.map { retyped(slots[$0].desc, t) }
        let p: Primitive
        do {
            p = try concatPrimitive(descs, outShape: outShape, axis: ax)
        } catch {
            descs = inputs.map { DNNL.plainDesc(slots[$0].shape, t) }
            p = try concatPrimitive(descs, outShape: outShape, axis: ax)
        }
        var sources: [Int] = []
        for (input, desc) in zip(inputs, descs) { sources.append(use(input, as: desc)) }
        var args = sources.enumerated().map { (DNNL_ARG_MULTIPLE_SRC + Int32($0.offset), PlanArgument.slot($0.element)) }
        args.append((DNNL_ARG_DST, .slot(slots.count)))
        try emit(node, .primitive(p, args), reads: sources, desc: p.desc(dnnl_query_dst_md))
    }

    /// Softmax or log-softmax (by `alg`) along `axis`, in float32 on a row-major input.
    mutating func compileSoftmax(_ node: GraphNode, axis: Int, alg: dnnl_alg_kind_t) throws {
        let shape = try shapeOf(node.inputs[0])
        let ax = axis < 0 ? axis + shape.count : axis
        guard (0..<shape.count).contains(ax) else { return try compileEager(node) }
        let source = use(try slot(node.inputs[0]), as: DNNL.plainDesc(shape))
        let (p, _) = try softmaxForwardPrimitive(slots[source].desc, shape: shape, axis: ax, alg: alg, name: node.op.name, training: false)
        try emit(node, .primitive(p, [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_DST, .slot(slots.count))]), reads: [source],
                 desc: p.desc(dnnl_query_dst_md))
    }

    /// Batch normalisation of an `[N, C, H, W]` value with the running statistics (and the ReLU
    /// it carries), in the input's layout; its statistics, scale and shift are prepared row-major.
    mutating func compileBatchNorm(_ node: GraphNode, affine: Bool, eps: Float, relu: Bool) throws {
        guard try shapeOf(node.inputs[0]).count == 4, !node.inputs.dropFirst().contains(where: isValue) else { return try compileEager(node) }
        let x = use(try slot(node.inputs[0]))
        let desc = retyped(slots[x].desc, type(node.output))
        var flags = dnnl_use_global_stats.rawValue
        if affine { flags |= dnnl_use_scale.rawValue | dnnl_use_shift.rawValue }
        if relu { flags |= dnnl_fuse_norm_relu.rawValue }
        let (p, _) = try batchNormForwardPrimitive(desc, flags: flags, eps: eps, training: false)
        guard DNNL.byteSize(p.desc(dnnl_query_workspace_md)) == 0 else { return try compileEager(node) }
        let source = use(x, as: desc)
        let statistics = affine ? 2 : 0
        var args: [(Int32, PlanArgument)] = [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_MEAN, .weight(statistics)),
                                             (DNNL_ARG_VARIANCE, .weight(statistics + 1))]
        if affine { args += [(DNNL_ARG_SCALE, .weight(0)), (DNNL_ARG_SHIFT, .weight(1))] }
        args.append((DNNL_ARG_DST, .slot(slots.count)))
        let weights = PreparedWeights { ts in ts.map { $0.converted(to: DNNL.plainDesc($0.shape)) } }
        try emit(node, .primitive(p, args), reads: [source], desc: desc, inPlaceOf: source,
                 parameters: Array(node.inputs.dropFirst()), weights: weights)
    }

    /// Across-channel LRN of an `[N, C, H, W]` value (odd `size`, as the eager op requires), in float32.
    mutating func compileLocalResponseNorm(_ node: GraphNode, size: Int, alpha: Float, beta: Float, k: Float) throws {
        guard try shapeOf(node.inputs[0]).count == 4, size > 0, size % 2 == 1 else { return try compileEager(node) }
        let x = use(try slot(node.inputs[0]))
        let source = use(x, as: retyped(slots[x].desc, dnnl_f32))
        let (p, _) = try lrnForwardPrimitive(slots[source].desc, size: size, alpha: alpha, beta: beta, k: k, training: false)
        guard DNNL.byteSize(p.desc(dnnl_query_workspace_md)) == 0 else { return try compileEager(node) }
        try emit(node, .primitive(p, [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_DST, .slot(slots.count))]), reads: [source],
                 desc: p.desc(dnnl_query_dst_md))
    }

    /// Average pooling, padded or in ceil mode, wherever oneDNN's divisor is PyTorch's: always
    /// when padding is not counted, and when it is, unless a ceil-mode window hangs past the
    /// padded input (oneDNN would divide by the whole kernel there; that pooling runs eagerly).
    mutating func compileAveragePooling(_ node: GraphNode, _ config: Pool2dConfig) throws {
        let (inShape, outShape) = (try shapeOf(node.inputs[0]), try valueShape(node.output))
        guard inShape.count == 4, outShape.count == 4 else { return try compileEager(node) }
        if config.countIncludePad {
            let rows = includePadCorrection(inShape[2], outputs: outShape[2], kernel: config.kernel.0, stride: config.stride.0, pad: config.padding.0)
            let cols = includePadCorrection(inShape[3], outputs: outShape[3], kernel: config.kernel.1, stride: config.stride.1, pad: config.padding.1)
            guard (rows + cols).allSatisfy({ $0 == 1 }) else { return try compileEager(node) }
        }
        try compilePooling(node, config, alg: config.countIncludePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding)
    }
}
