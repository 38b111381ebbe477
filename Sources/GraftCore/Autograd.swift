import CDNNL

/// One recorded operation: where each input's gradient goes and how to compute them from the
/// gradient of the output. It holds only what the backward pass needs: an input that is itself
/// an op's output is reached through that op's node, not through the tensor, so an activation
/// no backward step reads is freed as soon as the forward pass is done with it.
final class GradNode {
    /// Where one input's gradient goes.
    enum Edge {
        /// The input was computed by this node's op.
        case node(GradNode)
        /// The input is a leaf that requires a gradient (a parameter).
        case leaf(Tensor)
        /// The input needs no gradient.
        case none
    }

    let op: String
    private(set) var inputs: [Edge]
    /// Given the output's gradient, one gradient per input (nil where the input needs none);
    /// nil once the backward pass has run it.
    private(set) var backward: ((Tensor) throws -> [Tensor?])?

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs.map { t in
            if let n = t.gradNode, n.backward != nil { return .node(n) }
            return t.leafRequiresGrad ? .leaf(t) : .none
        }
        self.backward = backward
    }

    /// Frees what the op saved for its backward step.
    func release() {
        backward = nil
        inputs = []
    }
}

/// Whether ops record what they do for `backward()`. Off inside `withoutGradients`.
public enum GradMode {
    /// True while gradients are recorded (the default).
    public private(set) static var isEnabled = true

    /// Runs `body` in inference mode: nothing is recorded, so no memory is kept for backward.
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        let was = isEnabled
        isEnabled = false
        defer { isEnabled = was }
        return try body()
    }
}

/// Records `out` as computed from `inputs` when gradients are on and some input needs one.
/// `backward` receives the output's gradient and returns one gradient per input, in order;
/// it need only compute those whose input `requiresGrad` (see `needs`).
func recordGrad(_ out: Tensor, op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return }
    out.gradNode = GradNode(op: op, inputs: inputs, backward: backward)
}

extension Tensor {
    /// Back-propagates from this tensor (a scalar loss, or any tensor with `gradient` as
    /// its seed), adding into `grad` of every leaf that requires one. The graph is freed
    /// afterwards, as PyTorch does without `retain_graph`.
    public func backward(gradient: Tensor? = nil) throws {
        guard requiresGrad else {
            throw GraftError.invalidState("backward: the tensor \(shapeString(shape)) does not require gradients")
        }
        if gradient == nil && count != 1 {
            throw GraftError.invalidState("backward: a gradient is needed for a non-scalar \(shapeString(shape))")
        }
        if let g = gradient, g.shape != shape {
            throw GraftError.shapeMismatch(op: "backward", detail: "seed gradient does not match the output",
                                           lhs: g.shape, rhs: shape)
        }
        let seed = gradient ?? Tensor.ones(shape)
        guard let root = gradNode, root.backward != nil else {
            try accumulateGradient(seed)
            return
        }
        // Reverse topological order of the nodes by an iterative depth-first search.
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for case .node(let input) in node.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        // Each node is released as soon as it has run, freeing what it saved.
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        var leafGrads: [(leaf: Tensor, grad: Tensor)] = []
        var leafIndex: [ObjectIdentifier: Int] = [:]
        for node in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(node)), let run = node.backward else { continue }
            let inputGrads = try run(g)
            let inputs = node.inputs
            node.release()
            for (input, ig) in zip(inputs, inputGrads) {
                guard let ig else { continue }
                switch input {
                case .node(let n):
                    let id = ObjectIdentifier(n)
                    grads[id] = try grads[id].map { try addSameShape($0, ig) } ?? ig
                case .leaf(let t):
                    if let i = leafIndex[ObjectIdentifier(t)] {
                        leafGrads[i].grad = try addSameShape(leafGrads[i].grad, ig)
                    } else {
                        leafIndex[ObjectIdentifier(t)] = leafGrads.count
                        leafGrads.append((t, ig))
                    }
                case .none: continue
                }
            }
        }
        for (leaf, g) in leafGrads { try leaf.accumulateGradient(g) }
    }

    /// Adds `g` into this leaf's `grad`, in row-major layout.
    private func accumulateGradient(_ g: Tensor) throws {
        guard leafRequiresGrad else { return }
        // A gradient may be handed to several inputs (add's is): a leaf gets its own copy.
        let plain = g.converted(to: DNNL.plainDesc(shape))
        grad = try grad.map { try addSameShape($0, plain) } ?? (plain === g ? g.copy() : plain)
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

/// `a + b` for tensors of one shape, in `a`'s layout, outside autodiff (gradient accumulation).
func addSameShape(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard a.shape == b.shape else {
        throw GraftError.shapeMismatch(op: "accumulate", detail: "gradient shapes differ", lhs: a.shape, rhs: b.shape)
    }
    var key = PrimitiveKey("sum")
    key.add(a.desc)
    key.add(b.desc)
    let p = try Engine.shared.primitive(key) {
        var pd: OpaquePointer?
        var srcs = [a.desc, b.desc]
        var dst = a.desc
        var scales: [Float] = [1, 1]
        try DNNL.check(dnnl_sum_primitive_desc_create(&pd, &dst, 2, &scales, &srcs, nil, Engine.shared.engine), "sum")
        return pd!
    }
    let out = Tensor(shape: a.shape, desc: a.desc)
    try Engine.shared.execute(p, [(DNNL_ARG_MULTIPLE_SRC, a), (DNNL_ARG_MULTIPLE_SRC + 1, b), (DNNL_ARG_DST, out)])
    return out
}
