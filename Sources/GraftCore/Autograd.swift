import CDNNL

/// One recorded operation: the inputs that need gradients and how to compute them from the
/// gradient of the output. It holds only what the backward pass needs.
final class GradNode {
    let op: String
    let inputs: [Tensor]
    /// Given the output's gradient, one gradient per input (nil where the input needs none).
    let backward: (Tensor) throws -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
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
        // Reverse topological order by an iterative depth-first search.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            for input in t.gradNode?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient ?? Tensor.ones(shape)]
        for t in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
            if let node = t.gradNode {
                let inputGrads = try node.backward(g)
                for (input, ig) in zip(node.inputs, inputGrads) {
                    guard let ig, input.requiresGrad else { continue }
                    let id = ObjectIdentifier(input)
                    grads[id] = try grads[id].map { try addSameShape($0, ig) } ?? ig
                }
                t.gradNode = nil
            } else if t.leafRequiresGrad {
                // A gradient may be handed to several inputs (add's is): a leaf gets its own copy.
                let plain = g.converted(to: DNNL.plainDesc(t.shape))
                t.grad = try t.grad.map { try addSameShape($0, plain) } ?? (plain === g ? g.copy() : plain)
            }
        }
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
