/// The classifier found in a graph and the graph around it.
struct LiftedHead {
    var head: ImportedHead
    /// The head's weight `[out, in]` (`[out, in, 1, 1]` for a convolution) and bias.
    var weight: HostTensor
    var bias: HostTensor?
    var features: String
    var trunk: [ImportedNode]
    var tail: [ImportedNode]
    var output: String
    var removedSoftmax: Bool
}

extension ImportDraft {
    /// Finds the classifier — the last Gemm, MatMul (+ Add) or 1×1 convolution on the way
    /// back from the output, or the node named `named` — and cuts the graph around it: the
    /// trunk computes its input, the tail what follows it (a final Softmax removed).
    func liftHead(named: String?) throws -> LiftedHead {
        let producers = self.producers
        var output = self.output, removedSoftmax = false
        if let last = producers[output] {
            switch nodes[last].op {
            case .softmax, .logSoftmax:
                removedSoftmax = true
                output = nodes[last].inputs[0]
            default: break
            }
        }
        let headIndex: Int
        if let named {
            guard let i = nodes.firstIndex(where: { $0.name == named }) else {
                throw error("--head: no node is named '\(named)'")
            }
            headIndex = i
        } else {
            var value = output
            while true {
                guard let i = producers[value] else { throw error("no classifier (Gemm, MatMul or 1×1 Conv) computes the output; name it with --head") }
                if isClassifier(nodes[i]) || (nodes[i].op == .add && biasOf(nodes[i], producers) != nil) { headIndex = i; break }
                guard isTailOp(nodes[i].op), let x = nodes[i].inputs.first else {
                    throw error("the output is computed by node '\(nodes[i].name)' (\(nodes[i].onnxOperator)), which is not a classifier; name the classifier with --head")
                }
                value = x
            }
        }
        var lifted = try lift(headIndex, producers)
        // The trunk is what the features need; the tail what the output needs beyond the head.
        let trunk = needed(for: [lifted.features], stoppingAt: [])
        let tail = needed(for: [output], stoppingAt: [lifted.head.output])
        if let overlap = tail.intersection(trunk).min() {
            throw error("node '\(nodes[overlap].name)' (\(nodes[overlap].onnxOperator)) is needed both before and after the classifier")
        }
        lifted.trunk = trunk.sorted().map { nodes[$0] }
        lifted.tail = tail.sorted().map { nodes[$0] }
        let tailWrites = Set(lifted.tail.flatMap(\.outputs)).union([lifted.head.output])
        for node in lifted.tail {
            for v in node.inputs where !v.isEmpty && !tailWrites.contains(v) && constants[v] == nil {
                throw error("node '\(node.name)' (\(node.onnxOperator)) after the classifier reads '\(v)', computed before it")
            }
        }
        lifted.output = output
        lifted.removedSoftmax = removedSoftmax
        return lifted
    }

    /// Whether `node` is a Gemm, a MatMul by a constant matrix or a 1×1 convolution by constants.
    private func isClassifier(_ node: ImportedNode) -> Bool {
        guard node.inputs.count >= 2, let w = constants[node.inputs[1]], w.isFloat else { return false }
        switch node.op {
        case .gemm(_, _, let transA, _): return !transA && w.shape.count == 2
        case .matMul: return w.shape.count == 2
        case .conv(let strides, let padding, let autoPad, let dilations, let groups):
            return w.shape.count == 4 && w.shape[2] == 1 && w.shape[3] == 1 && strides == [1, 1] && dilations == [1, 1]
                && groups == 1 && (padding ?? [0, 0, 0, 0]) == [0, 0, 0, 0] && autoPad != .sameLower && autoPad != .sameUpper
        default: return false
        }
    }

    /// The MatMul an Add adds a `[out]` or `[1, out]` constant bias to, with that bias.
    private func biasOf(_ add: ImportedNode, _ producers: [String: Int]) -> (matMul: Int, bias: String)? {
        for (v, b) in [(add.inputs[0], add.inputs[1]), (add.inputs[1], add.inputs[0])] {
            guard let i = producers[v], nodes[i].op == .matMul, isClassifier(nodes[i]), consumers[v]?.count == 1,
                  let bias = constants[b], bias.isFloat, let out = constants[nodes[i].inputs[1]]?.shape.last,
                  bias.shape == [out] || bias.shape == [1, out] else { continue }
            return (i, b)
        }
        return nil
    }

    /// Ops that may stand between the classifier and the output.
    private func isTailOp(_ op: ImportedOp) -> Bool {
        switch op {
        case .reshape, .flatten, .squeeze, .unsqueeze, .relu, .globalAveragePool, .reduceMean, .averagePool: return true
        default: return false
        }
    }

    /// The classifier at `index` as a layer, its weights in PyTorch's layout.
    private func lift(_ index: Int, _ producers: [String: Int]) throws -> LiftedHead {
        var node = nodes[index]
        var names = [node.name]
        var biasName: String?
        if node.op == .add, let (m, b) = biasOf(node, producers) {
            biasName = b
            let out = node.outputs[0]
            node = nodes[m]
            node.outputs = [out]
            names.insert(node.name, at: 0)
        }
        guard isClassifier(node), let w = constants[node.inputs[1]] else {
            throw error("node '\(node.name)' (\(node.onnxOperator)) is not a Gemm, a MatMul by a constant matrix or a 1×1 Conv, so it cannot be the head")
        }
        var weight = w, bias: HostTensor?
        let kind: ImportedHead.Kind
        switch node.op {
        case .gemm(let alpha, let beta, _, let transB):
            kind = .linear
            if !transB { weight = try HostEvaluation.evaluate(.transpose(perm: [1, 0]), [w])[0] }
            if alpha != 1 { weight = try HostEvaluation.evaluate(.mul, [weight, HostTensor(shape: [], elements: .float([alpha]))])[0] }
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard let c = constants[node.inputs[2]], c.isFloat else { throw error("Gemm '\(node.name)': its C is not a constant") }
                biasName = node.inputs[2]
                bias = try HostEvaluation.evaluate(.mul, [c, HostTensor(shape: [], elements: .float([beta]))])[0]
            }
        case .matMul:
            kind = .linear
            weight = try HostEvaluation.evaluate(.transpose(perm: [1, 0]), [w])[0]
        default:
            kind = .conv
            if node.inputs.count > 2, !node.inputs[2].isEmpty { biasName = node.inputs[2] }
        }
        if bias == nil, let biasName, let b = constants[biasName] { bias = b }
        let (out, inputs) = (weight.shape[0], weight.shape[1])
        if let b = bias {
            let values = HostEvaluation.floats(b)
            guard values.count == out || values.count == 1 else {
                throw error("the classifier's bias '\(biasName ?? "")' has \(values.count) values for \(out) classes")
            }
            bias = HostTensor(shape: [out], elements: .float(values.count == 1 ? Array(repeating: values[0], count: out) : values))
        }
        let path = headPath(from: [node.inputs[1]] + (biasName.map { [$0] } ?? []))
        let head = ImportedHead(kind: kind, path: path, inFeatures: inputs, outFeatures: out, hasBias: bias != nil,
                                nodes: names, output: node.outputs[0])
        return LiftedHead(head: head, weight: weight, bias: bias, features: node.inputs[0], trunk: [], tail: [], output: output,
                          removedSoftmax: false)
    }

    /// The module path of the lifted head: the common dotted prefix of its initializers' names
    /// (`fc` for `fc.weight` and `fc.bias`) when no other tensor lies under it, else `head`.
    private func headPath(from names: [String]) -> String {
        let split = names.map { $0.split(separator: ".", omittingEmptySubsequences: false).dropLast().map(String.init) }
        var common = split.first ?? []
        for s in split.dropFirst() { common = Array(zip(common, s).prefix { $0 == $1 }.map(\.0)) }
        let others = Set(constants.keys).subtracting(names)
        func free(_ p: String) -> Bool {
            !p.isEmpty && !p.split(separator: ".", omittingEmptySubsequences: false).contains("")
                && !others.contains { $0 == p || $0.hasPrefix(p + ".") || p.hasPrefix($0 + ".") }
        }
        let candidates = [common.joined(separator: "."), "head"] + (1...100).map { "head_\($0)" }
        return candidates.first(where: free) ?? "graft_head"
    }

    /// The indices of the nodes the values `targets` need, not looking past `stops`.
    private func needed(for targets: [String], stoppingAt stops: Set<String>) -> Set<Int> {
        let producers = self.producers
        var seen = Set<Int>(), stack = targets.filter { !stops.contains($0) }
        while let v = stack.popLast() {
            guard let i = producers[v], seen.insert(i).inserted else { continue }
            stack += nodes[i].inputs.filter { !$0.isEmpty && !stops.contains($0) }
        }
        return seen
    }
}
