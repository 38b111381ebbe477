import CDNNL

/// A compiled inference graph: one step per op holding its cached oneDNN primitive and its
/// prepared weights (batch norm folded, reordered to the primitive's layout, bfloat16 when it
/// multiplies in bfloat16), over buffers planned once (`planMemory`). Values stay in the layout
/// and type their producer wrote (`assignPrecision`); a reorder step sits only where a consumer
/// needs another. Ops without a compiled form run eagerly on row-major float32 inputs.
/// Not thread-safe: one run at a time.
public final class ExecutionPlan {
    /// The steps in order, as `graft inspect --graph` prints them.
    public private(set) var steps: [PlanStepSummary] = []
    /// The bytes of all planned buffers.
    public let plannedBytes: Int
    /// The bytes the planned values would take with a buffer each.
    public let unplannedBytes: Int

    private let graph: Graph
    private var compiled: [CompiledStep]
    private let slotTensors: [Tensor]
    private let viewTensors: [Tensor]
    private let inputSlots: [Int]
    private let parameterShapes: [String: [Int]]
    private let valueSlots: [Int: Int]

    /// Compiles `graph` (already optimised, see `optimizedForInference`) for the parameters'
    /// current shapes, running at `precision`; an int8 plan quantises its activations with
    /// `ranges` (`calibrateActivationRanges`) and throws `GraftError.invalidArgument` naming
    /// an activation they lack.
    public init(_ graph: Graph, parameters: [String: Tensor], precision: ComputePrecision,
                ranges: ActivationRanges = ActivationRanges()) throws {
        if precision == .int8 { try Engine.shared.checkSupported(.int8) }
        var builder = PlanBuilder(graph: graph, precision: precision, parameters: parameters, ranges: ranges)
        try builder.build()
        let kept = Set(graph.outputs.compactMap { operand -> Int? in
            if case .value(let id) = operand { return builder.slotOfValue[id] }
            return nil
        })
        let bytes = Dictionary(uniqueKeysWithValues: builder.slots.enumerated().map { ($0.offset, DNNL.byteSize($0.element.desc)) })
        let memory = planMemory(builder.steps.map(\.access), bytes: bytes, kept: kept)
        let storages = memory.bufferBytes.map { Storage(byteCount: max($0, 1)) }
        let tensors = builder.slots.enumerated().map { index, slot in
            Tensor(shape: slot.shape, desc: slot.desc, storage: storages[memory.bufferOf[index] ?? 0])
        }
        slotTensors = tensors
        viewTensors = builder.views.map { slot, desc in
            Tensor(shape: DNNL.array(desc.dims, count: Int(desc.ndims)), desc: desc, storage: tensors[slot].storage)
        }
        plannedBytes = memory.totalBytes
        unplannedBytes = bytes.values.reduce(0, +)
        self.graph = graph
        compiled = builder.steps
        inputSlots = builder.inputSlots
        valueSlots = builder.slotOfValue
        parameterShapes = parameters.mapValues(\.shape)
        steps = builder.steps.map { step in
            let slot = builder.slots[step.access.writes]
            return PlanStepSummary(op: step.name, attributes: step.attributes, inputs: step.access.reads,
                                   parameters: step.node?.inputs.compactMap { if case .parameter(let name) = $0 { name } else { nil } } ?? [],
                                   output: step.access.writes, shape: slot.shape,
                                   precision: typeName(slot.desc.data_type), step: slot.step, layout: formatTagName(slot.desc),
                                   buffer: memory.bufferOf[step.access.writes] ?? 0, bytes: bytes[step.access.writes] ?? 0,
                                   flops: step.node?.flops ?? 0, scope: step.node?.scope ?? "")
        }
        for index in compiled.indices {
            // A fused sum already writing over its addend needs no copy of it.
            if let from = compiled[index].prefill, memory.bufferOf[from] == memory.bufferOf[compiled[index].access.writes] {
                compiled[index].prefill = nil
            }
        }
    }

    /// Runs the plan on `inputs` (the graph's inputs in order) with the parameters as they are
    /// now, without gradients: a step whose parameters were replaced or written since it last
    /// prepared them prepares them again. Returns fresh row-major float32 outputs.
    public func run(_ inputs: [Tensor], parameters: [String: Tensor]) throws -> [Tensor] {
        guard inputs.count == inputSlots.count else {
            throw GraftError.invalidArgument(op: "execution plan", detail: "the graph takes \(inputSlots.count) inputs, got \(inputs.count)")
        }
        for (index, (x, slot)) in zip(inputs, inputSlots).enumerated() where x.shape != slotTensors[slot].shape || x.dtype != .float32 {
            throw GraftError.shapeMismatch(op: "execution plan", detail: "input \(index) (value %\(graph.inputs[index])) differs from the compiled one",
                                           lhs: x.shape, rhs: slotTensors[slot].shape)
        }
        func parameter(_ name: String) throws -> Tensor {
            guard let t = parameters[name] else { throw GraftError.invalidArgument(op: "execution plan", detail: "no parameter '\(name)'") }
            if let expected = parameterShapes[name], expected != t.shape {
                throw GraftError.shapeMismatch(op: "execution plan", detail: "parameter '\(name)' differs from the compiled one",
                                               lhs: t.shape, rhs: expected)
            }
            return t
        }
        func source(_ operand: GraphOperand) throws -> Tensor {
            switch operand {
            case .value(let id): throw GraftError.invalidState("execution plan: value %\(id) read as a parameter")
            case .parameter(let name): return try parameter(name)
            case .constant(let index): return graph.constants[index].tensor
            }
        }
        return try GradMode.withoutGradients {
            for index in compiled.indices {
                let step = compiled[index]
                let out = slotTensors[step.access.writes]
                if let weights = step.weights { try weights.refresh(step.parameters.map(source)) }
                if let from = step.prefill {
                    // The addend keeps its own type (an int8 sum may add s8 into u8): its bytes are copied.
                    let addend = slotTensors[from]
                    let target = addend.desc.data_type == out.desc.data_type ? out
                        : Tensor(shape: out.shape, desc: retyped(out.desc, addend.desc.data_type), storage: out.storage)
                    try copyReordering(addend, into: target, op: "plan.sum_copy")
                }
                switch step.action {
                case .input(let i): try copyReordering(inputs[i], into: out, op: "plan.input")
                case .reorder(let from, let scale): try copyReordering(slotTensors[from], into: out, scales: [scale], op: "plan.reorder")
                case .reshape(let from):
                    let x = slotTensors[from]
                    try copyReordering(x, into: Tensor(shape: x.shape, desc: DNNL.plainDesc(x.shape), storage: out.storage), op: "plan.reshape")
                case .primitive(let p, let args):
                    try Engine.shared.execute(step.weights?.primitive ?? p, args.map { arg, operand in
                        switch operand {
                        case .slot(let s): return (arg, slotTensors[s])
                        case .weight(let w): return (arg, step.weights?.tensors[w] ?? out)
                        case .view(let v): return (arg, viewTensors[v])
                        }
                    })
                case .eager(let op, let operands):
                    let xs = try operands.map { operand -> Tensor in
                        if case .slot(let s) = operand { return slotTensors[s] }
                        guard case .source(let o) = operand else { throw GraftError.invalidState("execution plan: bad operand") }
                        return try source(o)
                    }
                    try copyReordering(runGraphOp(op, xs), into: out, op: "plan.eager")
                }
            }
            return try graph.outputs.map { operand in
                let t: Tensor
                if case .value(let id) = operand, let slot = valueSlots[id] { t = slotTensors[slot] } else { t = try source(operand) }
                let result = Tensor(uninitialized: t.shape)
                try copyReordering(t, into: result, op: "plan.output")
                Engine.shared.wait()
                return result
            }
        }
    }
}
