import CDNNL

/// A planned value: its logical shape, the layout and type it is stored in, and the real value
/// of one unit of it (1 unless it holds quantised 8-bit integers).
struct PlanSlot {
    var shape: [Int]
    var desc: dnnl_memory_desc_t
    var step: Float = 1
}

/// What a step reads for one primitive argument: a planned value, one of its prepared weights,
/// or a planned value's bytes under another description (`PlanBuilder.views`).
enum PlanArgument {
    case slot(Int)
    case weight(Int)
    case view(Int)
}

/// An operand of an op the plan runs eagerly.
enum EagerOperand {
    case slot(Int)
    case source(GraphOperand)
}

enum PlanAction {
    /// Copies graph input `i` into the output, in the output's layout (the entry reorder).
    case input(Int)
    /// Copies a value into the output's layout and type, multiplied by `scale` (a quantisation
    /// or dequantisation where the steps differ).
    case reorder(Int, scale: Float)
    /// Copies a value row-major into the output's buffer (a reshape).
    case reshape(Int)
    case primitive(Primitive, [(Int32, PlanArgument)])
    case eager(GraphOp, [EagerOperand])
}

/// Weights derived from parameters (folded, reordered), remade when a parameter is replaced or
/// written. A parameter is known by its storage, not its tensor: `stateDict()` hands out new
/// tensors over the same storages on every call. The storages are held, so that a new one
/// cannot take a freed one's identity. An int8 convolution's primitive depends on its weights
/// (their per-channel steps are its output scales): it is made with them.
final class PreparedWeights {
    private var madeFrom: [(storage: Storage, version: Int)] = []
    private(set) var tensors: [Tensor] = []
    /// The primitive made with the weights, which the step runs instead of its own.
    private(set) var primitive: Primitive?
    private let make: ([Tensor]) throws -> ([Tensor], Primitive?)

    init(_ make: @escaping ([Tensor]) throws -> [Tensor]) { self.make = { (try make($0), nil) } }

    init(withPrimitive make: @escaping ([Tensor]) throws -> ([Tensor], Primitive?)) { self.make = make }

    func refresh(_ sources: [Tensor]) throws {
        let current = sources.count == madeFrom.count
            && zip(sources, madeFrom).allSatisfy { $0.storage === $1.storage && $0.storageVersion == $1.version }
        guard !current else { return }
        (tensors, primitive) = try make(sources)
        madeFrom = sources.map { ($0.storage, $0.storageVersion) }
    }
}

struct CompiledStep {
    var name: String
    var attributes: [String]
    /// The node it runs (nil for the entry copies and reorders the plan adds).
    var node: GraphNode? = nil
    var action: PlanAction
    var access: BufferAccess
    /// The parameters (or constants) `weights` are made from.
    var parameters: [GraphOperand] = []
    var weights: PreparedWeights?
    /// A value copied into the output before the step (a fused sum's addend).
    var prefill: Int?
}

/// Turns an optimised graph into steps over slots, choosing each value's layout and type.
struct PlanBuilder {
    let graph: Graph
    let precision: ComputePrecision
    /// The precision the float parts run at: `precision`, but bfloat16 (where the CPU has it)
    /// for those of an int8 plan, so that what stays float between int8 convolutions
    /// (depthwise ones, activations, the head) runs as the bfloat16 plan runs it.
    let floatPrecision: ComputePrecision
    let parameters: [String: Tensor]
    /// The calibrated activations of an int8 plan.
    let ranges: ActivationRanges
    /// What runs int8 (nil unless the precision is int8).
    let int8: Int8Assignment?
    /// Values an int8 convolution that fell back to float32 writes in float32.
    var floatFallbacks = Set<Int>()
    var slots: [PlanSlot] = []
    var steps: [CompiledStep] = []
    var slotOfValue: [Int: Int] = [:]
    var inputSlots: [Int] = []
    /// Slots read or written through another description of the same bytes (`PlanArgument.view`).
    var views: [(slot: Int, desc: dnnl_memory_desc_t)] = []
    /// Input slots nobody has read yet: the first reader picks their layout.
    private var unreadInputs = Set<Int>()
    private var reorders: [[Int]: Int] = [:]
    private var types: [Int: ComputePrecision] = [:]

    init(graph: Graph, precision: ComputePrecision, parameters: [String: Tensor], ranges: ActivationRanges = ActivationRanges()) {
        self.graph = graph; self.precision = precision; self.parameters = parameters; self.ranges = ranges
        int8 = precision == .int8 ? assignInt8(graph, ranges: ranges, parameters: parameters) : nil
        floatPrecision = precision == .int8 ? (Engine.shared.supportsBFloat16 ? .bfloat16 : .float32) : precision
    }

    mutating func build() throws {
        types = assignPrecision(graph, floatPrecision)
        for (index, id) in graph.inputs.enumerated() {
            let shape = try valueShape(id)
            let slot = addSlot(shape, DNNL.plainDesc(shape))
            slotOfValue[id] = slot
            inputSlots.append(slot)
            unreadInputs.insert(slot)
            steps.append(CompiledStep(name: "input", attributes: [], action: .input(index), access: BufferAccess(reads: [], writes: slot)))
        }
        for (index, node) in graph.nodes.enumerated() {
            if let int8, int8.convolutions.contains(index), try compileInt8Convolution(node) { continue }
            if int8?.int8Values.contains(node.output) == true, !isPooling(node.op) { floatFallbacks.insert(node.output) }
            try compile(node)
        }
    }

    func valueShape(_ id: Int) throws -> [Int] {
        guard let v = graph.values.first(where: { $0.id == id }) else { throw GraftError.invalidState("execution plan: no value %\(id)") }
        return v.shape
    }

    mutating func addSlot(_ shape: [Int], _ desc: dnnl_memory_desc_t) -> Int {
        slots.append(PlanSlot(shape: shape, desc: desc))
        return slots.count - 1
    }

    func slot(_ operand: GraphOperand) throws -> Int {
        guard case .value(let id) = operand, let s = slotOfValue[id] else {
            throw GraftError.invalidState("execution plan: \(operand) is not a value computed before its reader")
        }
        return s
    }

    func shapeOf(_ operand: GraphOperand) throws -> [Int] {
        switch operand {
        case .value(let id): return try valueShape(id)
        case .parameter(let name):
            guard let t = parameters[name] else { throw GraftError.invalidArgument(op: "execution plan", detail: "no parameter '\(name)'") }
            return t.shape
        case .constant(let index): return graph.constants[index].tensor.shape
        }
    }

    /// `slot` in layout `desc` with quantisation step `step` (1 for float): itself, or a
    /// reorder step's output (one per slot, layout and step).
    mutating func use(_ slot: Int, as desc: dnnl_memory_desc_t, step: Float = 1) -> Int {
        if unreadInputs.remove(slot) != nil { slots[slot].desc = isInt8(desc.data_type) ? retyped(desc, dnnl_f32) : desc }
        if DNNL.equal(slots[slot].desc, desc) && slots[slot].step == step { return slot }
        let key = [slot] + DNNL.layoutKey(desc) + [Int(step.bitPattern)]
        if let done = reorders[key] { return done }
        let out = addSlot(slots[slot].shape, desc)
        slots[out].step = step
        let scale = slots[slot].step / step
        steps.append(CompiledStep(name: scale == 1 ? "reorder" : isInt8(desc.data_type) ? "quantize" : "dequantize",
                                  attributes: scale == 1 ? [] : ["scale=\(scale)"], action: .reorder(slot, scale: scale),
                                  access: BufferAccess(reads: [slot], writes: out)))
        reorders[key] = out
        return out
    }

    /// Reads `slot` as it is (the reader adapts to its layout).
    mutating func use(_ slot: Int) -> Int {
        if unreadInputs.remove(slot) != nil { slots[slot].desc = DNNL.plainDesc(slots[slot].shape) }
        return slot
    }

    func type(_ value: Int) -> dnnl_data_type_t {
        if let int8, int8.int8Values.contains(value), !floatFallbacks.contains(value), let name = int8.names[value], let r = ranges.ranges[name] {
            return r.isUnsigned ? dnnl_u8 : dnnl_s8
        }
        return types[value] == .bfloat16 ? dnnl_bf16 : dnnl_f32
    }

    /// The quantisation step of `value` as `type` stores it (1 for float).
    func step(_ value: Int) -> Float {
        guard isInt8(type(value)), let name = int8?.names[value], let r = ranges.ranges[name] else { return 1 }
        return r.step
    }

    mutating func emit(_ node: GraphNode, _ action: PlanAction, reads: [Int], desc: dnnl_memory_desc_t, inPlaceOf: Int? = nil,
                               parameters: [GraphOperand] = [], weights: PreparedWeights? = nil, prefill: Int? = nil) throws {
        let out = addSlot(try valueShape(node.output), desc)
        if isInt8(desc.data_type) { slots[out].step = step(node.output) }
        slotOfValue[node.output] = out
        steps.append(CompiledStep(name: node.op.name, attributes: node.op.attributes, node: node, action: action,
                                  access: BufferAccess(reads: reads, writes: out, inPlaceOf: inPlaceOf),
                                  parameters: parameters, weights: weights, prefill: prefill))
    }

    private mutating func compile(_ node: GraphNode) throws {
        // An op on a parameter alone (a reshaped layer scale) runs eagerly.
        guard let first = node.inputs.first, isValue(first) else { return try compileEager(node) }
        // A weighted op whose weights are computed in the graph runs eagerly too.
        if case .conv2d(_, _, let sum, _) = node.op, node.inputs.dropFirst().dropLast(sum ? 1 : 0).contains(where: isValue) {
            return try compileEager(node)
        }
        if case .conv2dBatchNorm(_, _, _, _, let sum, _) = node.op, node.inputs.dropFirst().dropLast(sum ? 1 : 0).contains(where: isValue) {
            return try compileEager(node)
        }
        if case .linear = node.op, node.inputs.dropFirst().contains(where: isValue) { return try compileEager(node) }
        switch node.op {
        case .conv2d(let config, let hasBias, let sum, let activation):
            try compileConvolution(node, config, hasBias: hasBias, batchNorm: nil, sum: sum, activation: activation)
        case .conv2dBatchNorm(let config, let hasBias, let affine, let eps, let sum, let activation):
            try compileConvolution(node, config, hasBias: hasBias, batchNorm: (affine, eps), sum: sum, activation: activation)
        case .linear(let hasBias): try compileLinear(node, hasBias: hasBias)
        case .relu, .relu6, .sigmoid, .tanh, .hardswish, .silu, .gelu, .leakyReLU:
            let x = use(try slot(node.inputs[0]))
            let source = use(x, as: retyped(slots[x].desc, type(node.output)))
            let (name, alg, alpha, beta) = eltwiseAlgorithm(node.op)
            let (p, _) = try eltwiseForwardPrimitive(slots[source].desc, "\(name).forward", alg, alpha: alpha, beta: beta, training: false)
            try emit(node, .primitive(p, [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_DST, .slot(slots.count))]), reads: [source],
                     desc: slots[source].desc, inPlaceOf: source)
        case .add: try compileBinary(node, dnnl_binary_add)
        case .mul: try compileBinary(node, dnnl_binary_mul)
        case .hardsigmoid(let alpha, let beta): try compileHardsigmoid(node, alpha: alpha, beta: beta)
        case .concat(let axis): try compileConcat(node, axis: axis)
        case .softmax(let axis): try compileSoftmax(node, axis: axis, alg: dnnl_softmax_accurate)
        case .logSoftmax(let axis): try compileSoftmax(node, axis: axis, alg: dnnl_softmax_log)
        case .batchNorm(let affine, let eps, let relu, false, _): try compileBatchNorm(node, affine: affine, eps: eps, relu: relu)
        case .localResponseNorm(let size, let alpha, let beta, let k):
            try compileLocalResponseNorm(node, size: size, alpha: alpha, beta: beta, k: k)
        case .maxPool2d(let config): try compilePooling(node, config, alg: dnnl_pooling_max)
        case .avgPool2d(let config): try compileAveragePooling(node, config)
        case .adaptiveAvgPool2d(let size):
            let shape = try shapeOf(node.inputs[0])
            guard shape.count == 4, shape[2] % size.0 == 0, shape[3] % size.1 == 0 else { return try compileEager(node) }
            try compilePooling(node, Pool2dConfig(kernel: (shape[2] / size.0, shape[3] / size.1)), alg: dnnl_pooling_avg_include_padding)
        case .reshape:
            let x = use(try slot(node.inputs[0]))
            let outShape = try valueShape(node.output)
            try emit(node, .reshape(x), reads: [x], desc: DNNL.plainDesc(outShape))
        default: try compileEager(node)
        }
    }

    func isValue(_ operand: GraphOperand) -> Bool { if case .value = operand { return true }; return false }

    mutating func compileEager(_ node: GraphNode) throws {
        var operands: [EagerOperand] = [], reads: [Int] = []
        for operand in node.inputs {
            if case .value = operand {
                let s = try slot(operand)
                let plain = use(s, as: DNNL.plainDesc(slots[s].shape))
                operands.append(.slot(plain)); reads.append(plain)
            } else {
                operands.append(.source(operand))
            }
        }
        let shape = try valueShape(node.output)
        let out = addSlot(shape, DNNL.plainDesc(shape))
        slotOfValue[node.output] = out
        steps.append(CompiledStep(name: "eager:" + node.op.name, attributes: node.op.attributes, node: node, action: .eager(node.op, operands),
                                  access: BufferAccess(reads: reads, writes: out)))
    }

    mutating func compilePooling(_ node: GraphNode, _ config: Pool2dConfig, alg: dnnl_alg_kind_t) throws {
        let x = use(try slot(node.inputs[0]))
        let outShape = try valueShape(node.output)
        let (h, w) = (slots[x].shape[2], slots[x].shape[3]), (oh, ow) = (outShape[2], outShape[3])
        let (kh, kw) = config.kernel, (sh, sw) = config.stride, (ph, pw) = config.padding
        let padR = [max(ph, (oh - 1) * sh + kh - h - ph), max(pw, (ow - 1) * sw + kw - w - pw)]
        let desc = retyped(slots[x].desc, type(node.output))
        let source = use(x, as: desc, step: step(node.output))
        let name = alg == dnnl_pooling_max ? "max_pool2d" : "avg_pool2d"
        let (p, _) = try poolingForwardPrimitive(desc, outShape: outShape, config, padRight: padR, op: name, alg: alg, training: false)
        try emit(node, .primitive(p, [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_DST, .slot(slots.count))]), reads: [source],
                 desc: p.desc(dnnl_query_dst_md))
    }

    private mutating func compileConvolution(_ node: GraphNode, _ config: Conv2dConfig, hasBias: Bool, batchNorm: (affine: Bool, eps: Float)?,
                                             sum: Bool, activation: FusedActivation?) throws {
        let inShape = try shapeOf(node.inputs[0]), wShape = try shapeOf(node.inputs[1])
        // Grouped convolutions other than depthwise ones stay float32 (see `assignPrecision`).
        let computes: ComputePrecision = config.groups == 1 || wShape[1] == 1 ? floatPrecision : .float32
        let (p, _) = try convolutionForwardPrimitive(inputShape: inShape, weightShape: wShape, config, hasBias: hasBias || batchNorm != nil,
                                                     training: false, precision: computes, sum: sum, activation: activation,
                                                     outputType: type(node.output))
        let source = use(try slot(node.inputs[0]), as: p.desc(dnnl_query_src_md))
        let dstDesc = p.desc(dnnl_query_dst_md), wDesc = p.desc(dnnl_query_weights_md)
        let sources = Array(node.inputs[1..<(node.inputs.count - (sum ? 1 : 0))])
        let groups = config.groups
        let weights = PreparedWeights { ts in
            let folded = foldedConvolutionParameters(ts, hasBias: hasBias, batchNorm: batchNorm)
            return [convolutionWeight(folded[0], groups: groups, in: wDesc)] + folded.dropFirst().map { $0.converted(to: DNNL.plainDesc($0.shape)) }
        }
        var args: [(Int32, PlanArgument)] = [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_WEIGHTS, .weight(0))]
        if hasBias || batchNorm != nil { args.append((DNNL_ARG_BIAS, .weight(1))) }
        args.append((DNNL_ARG_DST, .slot(slots.count)))
        var reads = [source], inPlace: Int?, prefill: Int?
        if sum, let last = node.inputs.last {
            let a = use(try slot(last))
            let addend = isInt8(slots[a].desc.data_type) ? use(a, as: retyped(slots[a].desc, dstDesc.data_type)) : a
            reads.append(addend)
            prefill = addend
            // Not over its own input: the convolution would read what it has written.
            if DNNL.equal(slots[addend].desc, dstDesc), addend != source { inPlace = addend }
        }
        try emit(node, .primitive(p, args), reads: reads, desc: dstDesc, inPlaceOf: inPlace, parameters: sources, weights: weights,
                 prefill: prefill)
    }

    private mutating func compileLinear(_ node: GraphNode, hasBias: Bool) throws {
        let inShape = try shapeOf(node.inputs[0]), wShape = try shapeOf(node.inputs[1])
        guard inShape.count == 2, wShape.count == 2, inShape[1] == wShape[1] else { return try compileEager(node) }
        let (p, _) = try innerProductForwardPrimitive(inputShape: inShape, weightShape: wShape, hasBias: hasBias, training: false,
                                                      precision: floatPrecision, plainWeight: false)
        let source = use(try slot(node.inputs[0]), as: p.desc(dnnl_query_src_md))
        let wDesc = p.desc(dnnl_query_weights_md)
        let weights = PreparedWeights { ts in [ts[0].converted(to: wDesc)] + ts.dropFirst().map { $0.converted(to: DNNL.plainDesc($0.shape)) } }
        var args: [(Int32, PlanArgument)] = [(DNNL_ARG_SRC, .slot(source)), (DNNL_ARG_WEIGHTS, .weight(0))]
        if hasBias { args.append((DNNL_ARG_BIAS, .weight(1))) }
        args.append((DNNL_ARG_DST, .slot(slots.count)))
        try emit(node, .primitive(p, args), reads: [source], desc: p.desc(dnnl_query_dst_md), parameters: Array(node.inputs.dropFirst()),
                 weights: weights)
    }
}

/// `desc` with its element type changed (the same layout).
func retyped(_ desc: dnnl_memory_desc_t, _ type: dnnl_data_type_t) -> dnnl_memory_desc_t {
    var d = desc
    d.data_type = type
    return d
}

/// Whether `type` is one of the 8-bit integer types.
func isInt8(_ type: dnnl_data_type_t) -> Bool { type == dnnl_s8 || type == dnnl_u8 }

/// Whether `op` is a pooling (which keeps its input's step when it runs int8).
func isPooling(_ op: GraphOp) -> Bool { if case .maxPool2d = op { return true }; return false }

/// The eager op's oneDNN eltwise algorithm for an activation node (its primitive name, algorithm, alpha, beta).
private func eltwiseAlgorithm(_ op: GraphOp) -> (String, dnnl_alg_kind_t, Float, Float) {
    switch op {
    case .relu6: return ("relu6", dnnl_eltwise_clip_v2_use_dst_for_bwd, 0, 6)
    case .sigmoid: return ("sigmoid", dnnl_eltwise_logistic_use_dst_for_bwd, 0, 0)
    case .tanh: return ("tanh", dnnl_eltwise_tanh_use_dst_for_bwd, 0, 0)
    case .hardswish: return ("hardswish", dnnl_eltwise_hardswish, 0, 0)
    case .silu: return ("silu", dnnl_eltwise_swish, 1, 0)
    case .gelu: return ("gelu", dnnl_eltwise_gelu_erf, 0, 0)
    case .leakyReLU(let s): return ("leaky_relu", s >= 0 ? dnnl_eltwise_relu_use_dst_for_bwd : dnnl_eltwise_relu, s, 0)
    default: return ("relu", dnnl_eltwise_relu_use_dst_for_bwd, 0, 0)
    }
}
