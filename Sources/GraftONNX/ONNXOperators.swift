import GraftCore

/// The ONNX operators Graft imports, and how each node becomes an `ImportedNode`.
enum ONNXOperators {
    /// The operators of the default domain that an imported graph may hold, as the error for
    /// any other lists them.
    static let supported = [
        "Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Gelu",
        "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "Gemm", "MatMul",
        "Flatten", "Reshape", "Transpose", "Concat", "Split", "Slice", "Squeeze", "Unsqueeze", "Pad", "Softmax", "LogSoftmax",
        "Dropout", "LRN", "LayerNormalization", "Identity", "Cast", "Constant", "Shape", "Gather", "ConstantOfShape", "Sqrt",
        "Neg", "Reciprocal", "Range",
    ]

    /// The node as Graft runs it, with the constants it needs that an older opset gave as
    /// attributes (named after the node's first output); nil for a Constant node, whose value
    /// comes back in the constants.
    static func convert(_ node: Onnx_NodeProto, _ a: ONNXAttributes, opset: Int,
                        constants: inout [String: HostTensor]) throws -> ImportedNode? {
        let type = node.opType
        let label = label(node)
        var inputs = node.input
        let key = node.output.first ?? node.name
        /// Moves an old opset's attribute to input `position` as a constant.
        func attributeInput(_ position: Int, _ value: HostTensor?) {
            guard let value else { return }
            let name = "\(key)::\(position)"
            constants[name] = value
            while inputs.count <= position { inputs.append("") }
            inputs[position] = name
        }
        func ints(_ v: [Int]) -> HostTensor { HostTensor(shape: [v.count], elements: .int(v.map(Int64.init))) }
        func scalar(_ v: Float) -> HostTensor { HostTensor(shape: [], elements: .float([v])) }
        func pairs(_ name: String, rank: Int = 2, default d: Int) throws -> [Int] {
            try a.ints(name) ?? Array(repeating: d, count: rank)
        }
        let op: ImportedOp
        switch type {
        case "Constant":
            constants[key] = try constantValue(a, node: node)
            return nil
        case "Conv":
            let padding = try a.ints("pads") == nil ? nil : try pairs("pads", rank: 4, default: 0)
            let group = try a.int("group", default: 1)
            op = .conv(strides: try pairs("strides", default: 1), padding: padding, autoPad: try autoPad(a, node),
                       dilations: try pairs("dilations", default: 1), groups: group)
        case "BatchNormalization":
            op = .batchNorm(eps: try a.float("epsilon", default: 1e-5), momentum: try a.float("momentum", default: 0.9))
        case "Relu": op = .relu
        case "Sigmoid": op = .sigmoid
        case "Tanh": op = .tanh
        case "HardSwish": op = .hardSwish
        case "Erf": op = .erf
        case "Gelu":
            guard try a.string("approximate", default: "none") == "none" else {
                throw ONNXError(file: "", message: "node '\(label)' (Gelu): only approximate=none is supported")
            }
            op = .gelu
        case "HardSigmoid": op = .hardSigmoid(alpha: try a.float("alpha", default: 0.2), beta: try a.float("beta", default: 0.5))
        case "LeakyRelu": op = .leakyRelu(alpha: try a.float("alpha", default: 0.01))
        case "Clip":
            if opset < 11 {
                attributeInput(1, scalar(try a.float("min", default: -.infinity)))
                attributeInput(2, scalar(try a.float("max", default: .infinity)))
            }
            op = .clip
        case "Add": op = .add
        case "Sub": op = .sub
        case "Mul": op = .mul
        case "Div": op = .div
        case "MaxPool", "AveragePool":
            guard try a.ints("dilations").map({ $0.allSatisfy { $0 == 1 } }) ?? true, try a.int("storage_order", default: 0) == 0 else {
                throw ONNXError(file: "", message: "node '\(label)' (\(type)): dilated or column-major pooling is not supported")
            }
            let kernel = try pairs("kernel_shape", default: 1)
            let pooling = Pooling(kernel: kernel, strides: try pairs("strides", default: 1),
                                  padding: try a.ints("pads") == nil ? nil : try pairs("pads", rank: 4, default: 0),
                                  autoPad: try autoPad(a, node), ceilMode: try a.int("ceil_mode", default: 0) != 0,
                                  countIncludePad: try a.int("count_include_pad", default: 0) != 0)
            op = type == "MaxPool" ? .maxPool(pooling) : .averagePool(pooling)
        case "GlobalAveragePool": op = .globalAveragePool
        case "GlobalMaxPool": op = .globalMaxPool
        case "ReduceMean":
            if opset < 18, let axes = try a.ints("axes") { attributeInput(1, ints(axes)) }
            guard try a.int("noop_with_empty_axes", default: 0) == 0 else {
                throw ONNXError(file: "", message: "node '\(label)' (ReduceMean): noop_with_empty_axes is not supported")
            }
            op = .reduceMean(keepDims: try a.int("keepdims", default: 1) != 0)
        case "Gemm":
            op = .gemm(alpha: try a.float("alpha", default: 1), beta: try a.float("beta", default: 1),
                       transA: try a.int("transA", default: 0) != 0, transB: try a.int("transB", default: 0) != 0)
        case "MatMul": op = .matMul
        case "Flatten": op = .flatten(axis: try a.int("axis", default: 1))
        case "Reshape": op = .reshape(allowZero: try a.int("allowzero", default: 0) != 0)
        case "Transpose": op = .transpose(perm: try a.ints("perm"))
        case "Concat":
            guard let axis = try a.int("axis") else { throw ONNXError(file: "", message: "node '\(label)' (Concat): no axis") }
            op = .concat(axis: axis)
        case "Split":
            if opset < 13, let split = try a.ints("split") { attributeInput(1, ints(split)) }
            op = .split(axis: try a.int("axis", default: 0), outputs: node.output.count)
        case "Slice":
            if opset < 10 {
                attributeInput(1, try a.ints("starts").map(ints))
                attributeInput(2, try a.ints("ends").map(ints))
                attributeInput(3, try a.ints("axes").map(ints))
            }
            op = .slice
        case "Squeeze", "Unsqueeze":
            if opset < 13, let axes = try a.ints("axes") { attributeInput(1, ints(axes)) }
            op = type == "Squeeze" ? .squeeze : .unsqueeze
        case "Pad":
            let mode = try a.string("mode", default: "constant")
            guard let padMode = PadMode(rawValue: mode) else {
                throw ONNXError(file: "", message: "node '\(label)' (Pad): mode '\(mode)' is not supported (constant, reflect, edge)")
            }
            if opset < 11 {
                attributeInput(1, try a.ints("pads").map(ints))
                attributeInput(2, scalar(try a.float("value", default: 0)))
            }
            op = .pad(mode: padMode)
        case "Softmax", "LogSoftmax":
            let axis = try a.int("axis", default: opset < 13 ? 1 : -1)
            op = type == "Softmax" ? .softmax(axis: axis, coerce2D: opset < 13) : .logSoftmax(axis: axis, coerce2D: opset < 13)
        case "Dropout":
            op = .dropout
            inputs = Array(inputs.prefix(1))
        case "LRN":
            guard let size = try a.int("size") else { throw ONNXError(file: "", message: "node '\(label)' (LRN): no size") }
            op = .lrn(size: size, alpha: try a.float("alpha", default: 1e-4), beta: try a.float("beta", default: 0.75),
                      bias: try a.float("bias", default: 1))
        case "LayerNormalization": op = .layerNorm(axis: try a.int("axis", default: -1), eps: try a.float("epsilon", default: 1e-5))
        case "Identity": op = .identity
        case "Cast":
            guard let to = try a.int("to") else { throw ONNXError(file: "", message: "node '\(label)' (Cast): no 'to'") }
            op = .cast(to: to)
        case "Shape": op = .shape(start: try a.int("start", default: 0), end: try a.int("end"))
        case "Gather": op = .gather(axis: try a.int("axis", default: 0))
        case "ConstantOfShape": op = .constantOfShape(value: try a.tensor("value") ?? HostTensor(shape: [1], elements: .float([0])))
        case "Sqrt": op = .sqrt
        case "Neg": op = .neg
        case "Reciprocal": op = .reciprocal
        case "Range": op = .range
        default:
            throw ONNXError(file: "", message: "operator \(type) (node '\(label)', opset \(opset)) is not supported; "
                            + "supported: \(supported.joined(separator: ", "))")
        }
        if let problem = op.attributeProblem { throw ONNXError(file: "", message: "node '\(label)' (\(type)): \(problem)") }
        guard inputs.count >= op.minimumInputs, !inputs[0].isEmpty || op == .range, !node.output.isEmpty, !node.output[0].isEmpty else {
            throw ONNXError(file: "", message: "node '\(label)' (\(type)) has \(inputs.count) inputs and \(node.output.count) outputs; it needs at least \(op.minimumInputs) inputs and one output")
        }
        return ImportedNode(name: label, onnxOperator: type, op: op, inputs: inputs, outputs: node.output)
    }

    /// A node's name, or its first output's when it has none.
    static func label(_ node: Onnx_NodeProto) -> String { node.name.isEmpty ? node.output.first ?? node.opType : node.name }

    private static func autoPad(_ a: ONNXAttributes, _ node: Onnx_NodeProto) throws -> AutoPad {
        let value = try a.string("auto_pad", default: "NOTSET")
        guard let pad = AutoPad(rawValue: value) else {
            throw ONNXError(file: "", message: "node '\(label(node))' (\(node.opType)): auto_pad '\(value)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
        return pad
    }

    /// A Constant node's value, from whichever attribute holds it.
    private static func constantValue(_ a: ONNXAttributes, node: Onnx_NodeProto) throws -> HostTensor {
        if let t = try a.tensor("value") { return t }
        if let f = try a.float("value_float") { return HostTensor(shape: [], elements: .float([f])) }
        if let f = try a.floats("value_floats") { return HostTensor(shape: [f.count], elements: .float(f)) }
        if let i = try a.int("value_int") { return HostTensor(shape: [], elements: .int([Int64(i)])) }
        if let i = try a.ints("value_ints") { return HostTensor(shape: [i.count], elements: .int(i.map(Int64.init))) }
        throw ONNXError(file: "", message: "Constant node '\(label(node))' has no value, value_float(s) or value_int(s)")
    }
}
