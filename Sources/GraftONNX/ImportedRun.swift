import GraftCore

/// A value while an imported graph runs: an activation, or a host tensor (a constant, or a
/// shape computed from shapes).
enum RuntimeValue {
    case tensor(Tensor)
    case host(HostTensor)
}

/// One run of imported nodes: the values computed so far by name, the parameters and buffers
/// the nodes read, and the graph's constants. Every activation goes through GraftCore's ops,
/// so that a traced run records a Graft graph with its gradients.
struct ImportedRun {
    private(set) var values: [String: RuntimeValue]
    let parameters: [String: Tensor]
    let constants: [String: HostTensor]
    /// Whether batch norms whose parameters train normalise with the batch's statistics.
    let training: Bool

    init(values: [String: RuntimeValue], parameters: [String: Tensor], constants: [String: HostTensor], training: Bool) {
        self.values = values; self.parameters = parameters; self.constants = constants; self.training = training
    }

    /// Runs `nodes` in order.
    mutating func run(_ nodes: [ImportedNode]) throws {
        for node in nodes { try run(node) }
    }

    /// The activation called `name`.
    func tensor(_ name: String) throws -> Tensor {
        guard case .tensor(let t)? = try value(name) else { throw HostError("'\(name)' is not an activation") }
        return t
    }

    /// The value called `name`: computed, a parameter or buffer, or a constant (first when
    /// `preferConstant`: shape arithmetic reads the host copy); nil for "".
    func value(_ name: String, preferConstant: Bool = false) throws -> RuntimeValue? {
        if name.isEmpty { return nil }
        if let v = values[name] { return v }
        if preferConstant, let c = constants[name] { return .host(c) }
        if let p = parameters[name] { return .tensor(p) }
        if let c = constants[name] { return .host(c) }
        throw HostError("'\(name)' is read before it is computed")
    }

    /// Runs `node`, its ops recorded under the node's name as their scope.
    private mutating func run(_ node: ImportedNode) throws {
        try GraphRecorder.inScope(node.name) { try runUnscoped(node) }
    }

    private mutating func runUnscoped(_ node: ImportedNode) throws {
        do {
            let inputs = try node.inputs.map { try value($0) }
            let outputs: [RuntimeValue]
            if case .shape(let start, let end) = node.op, case .tensor(let x)? = inputs.first {
                outputs = [.host(HostEvaluation.shapeOf(x.shape, start: start, end: end))]
            } else if node.op.runsOnHost, let hosts = hostValues(try node.inputs.map { try value($0, preferConstant: true) }) {
                outputs = try HostEvaluation.evaluate(node.op, hosts).map { .host($0) }
            } else {
                outputs = try runTensorOp(node.op, inputs).map { .tensor($0) }
            }
            for (name, v) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = v }
        } catch {
            throw ImportedNodeError(node: node, reason: "\(error)")
        }
    }

    /// The inputs as host tensors, or nil when one is an activation.
    private func hostValues(_ inputs: [RuntimeValue?]) -> [HostTensor?]? {
        var out: [HostTensor?] = []
        for v in inputs {
            switch v {
            case .host(let h)?: out.append(h)
            case nil: out.append(nil)
            case .tensor?: return nil
            }
        }
        return out
    }
}

/// A node that failed to run: names it, its operator, and why.
public struct ImportedNodeError: Error, CustomStringConvertible {
    public let node: String
    public let onnxOperator: String
    public let reason: String

    init(node: ImportedNode, reason: String) {
        self.node = node.name; onnxOperator = node.onnxOperator; self.reason = reason
    }

    public var description: String { "node '\(node)' (\(onnxOperator)): \(reason)" }
}
