import CDNNL

extension PlanBuilder {
    /// Compiles `node`, a convolution `assignInt8` runs int8, as oneDNN's int8 convolution: its
    /// input quantised (or already 8-bit) with its calibrated step, its weights (batch norm
    /// folded) quantised per output channel, its bias in accumulator units, its output 8-bit
    /// when `assignInt8` says so and in the plan's float type otherwise, a residual addend
    /// added by the sum post-op in its own 8-bit type with the ratio of the steps. Returns
    /// false, having compiled nothing, where oneDNN has only its reference kernel for it (the
    /// caller then compiles it in float).
    mutating func compileInt8Convolution(_ node: GraphNode) throws -> Bool {
        let config: Conv2dConfig, hasBias: Bool, batchNorm: (affine: Bool, eps: Float)?, sum: Bool, activation: FusedActivation?
        switch node.op {
        case .conv2d(let c, let b, let s, let a): (config, hasBias, batchNorm, sum, activation) = (c, b, nil, s, a)
        case .conv2dBatchNorm(let c, let b, let affine, let eps, let s, let a): (config, hasBias, batchNorm, sum, activation) = (c, b, (affine, eps), s, a)
        default: return false
        }
        guard case .parameter(let weightName) = node.inputs[1] else { return false }
        let inShape = try shapeOf(node.inputs[0]), wShape = try shapeOf(node.inputs[1])
        let xSlot = try slot(node.inputs[0])
        var types = Int8ConvolutionTypes(source: slots[xSlot].desc.data_type, destination: type(node.output))
        var sourceStep = slots[xSlot].step
        if !isInt8(types.source) {
            let r = try ranges.range(weightName + ".input")
            (types.source, sourceStep) = (r.isUnsigned ? dnnl_u8 : dnnl_s8, r.step)
        }
        let outputStep = step(node.output)
        let o = wShape[0], groups = config.groups, biased = hasBias || batchNorm != nil
        func probe(_ types: Int8ConvolutionTypes) -> Primitive? {
            let p = try? int8ConvolutionPrimitive(inputShape: inShape, weightShape: wShape, config, hasBias: biased, types: types,
                                                  outputScales: [Float](repeating: 1, count: o), activation: activation, outputStep: outputStep)
            return p.flatMap { $0.implementation.hasPrefix("ref") ? nil : $0 }
        }
        // An 8-bit addend is added as it is, with the ratio of the steps, where oneDNN takes
        // its type; otherwise it is converted to the output's type and step first.
        var addend: (slot: Int, keepsStep: Bool)?
        if sum, let last = node.inputs.last {
            let a = try slot(last)
            let addendType = slots[a].desc.data_type
            addend = (a, isInt8(types.destination) && isInt8(addendType))
            types.sum = addend?.keepsStep == true ? (addendType, slots[a].step / outputStep) : (types.destination, 1)
        }
        var chosen = probe(types)
        if chosen == nil, let a = addend, a.keepsStep, types.sum?.type != types.destination {
            addend?.keepsStep = false
            types.sum = (types.destination, 1)
            chosen = probe(types)
        }
        if chosen == nil, types.destination == dnnl_bf16 {
            // No kernel writes bfloat16 here: it writes float32, and readers convert.
            types.destination = dnnl_f32
            if types.sum != nil { types.sum = (dnnl_f32, 1) }
            chosen = probe(types)
        }
        guard let primitive = chosen else { return false }
        let source = use(xSlot, as: primitive.desc(dnnl_query_src_md), step: sourceStep)
        let dstDesc = primitive.desc(dnnl_query_dst_md), wDesc = primitive.desc(dnnl_query_weights_md)
        let weights = PreparedWeights(withPrimitive: { ts in
            let folded = foldedConvolutionParameters(ts, hasBias: hasBias, batchNorm: batchNorm)
            let weightSteps = int8WeightSteps(folded[0].toArray(), outputChannels: o)
            let p = try int8ConvolutionPrimitive(inputShape: inShape, weightShape: wShape, config, hasBias: biased, types: types,
                                                 outputScales: weightSteps.map { sourceStep * $0 / outputStep }, activation: activation,
                                                 outputStep: outputStep)
            var prepared = [try int8ConvolutionWeight(folded[0], groups: groups, steps: weightSteps, in: wDesc)]
            if biased {
                guard folded.count > 1 else { throw GraftError.invalidState("int8 convolution: no bias after folding") }
                let bias = folded[1].toArray()
                prepared.append(Tensor(shape: [o], data: (0..<o).map { bias[$0] / (sourceStep * weightSteps[$0]) }))
            }
            return (prepared, p)
        })
        var args: [(Int32, PlanArgument)] = [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_WEIGHTS, .weight(0))]
        if biased { args.append((DNNL_ARG_BIAS, .weight(1))) }
        args.append((DNNL_ARG_DST, .slot(slots.count)))
        var reads = [source], inPlace: Int?, prefill: Int?
        if let (a, keepsStep) = addend, let (sumType, _) = types.sum {
            let addend = use(a, as: retyped(dstDesc, sumType), step: keepsStep ? slots[a].step : outputStep)
            reads.append(addend)
            prefill = addend
            if DNNL.equal(retyped(slots[addend].desc, dstDesc.data_type), dstDesc), addend != source { inPlace = addend }
        }
        let sources = Array(node.inputs[1..<(node.inputs.count - (sum ? 1 : 0))])
        try emit(node, .primitive(primitive, args), reads: reads, desc: dstDesc, inPlaceOf: inPlace, parameters: sources, weights: weights,
                 prefill: prefill)
        steps[steps.count - 1].name = "int8:" + node.op.name
        return true
    }
}
