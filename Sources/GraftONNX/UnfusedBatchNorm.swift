extension ImportDraft {
    /// Rewrites batch norms that an exporter unfused into arithmetic — `(x − mean) · scale +
    /// bias` (Sub, Mul, Add) or `x · scale + bias`, with per-channel constants `[C, 1, 1]` or
    /// `[1, C, 1, 1]` and intermediate values read by nothing else — as BatchNormalization
    /// nodes (running variance 1, epsilon 0: exactly the same arithmetic in inference), each
    /// with its own `[C]` constants named after the originals: scale, bias, the mean (zeros when
    /// there was no Sub) and a running variance of ones.
    mutating func rewriteUnfusedBatchNorms() {
        var index = 0
        while index < nodes.count {
            if let rewritten = unfusedBatchNorm(endingAt: index) {
                let removed = Set(rewritten.removed)
                nodes[index] = ownConstants(rewritten.node)
                nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
                index -= removed.filter { $0 < index }.count
                fold("Sub/Mul/Add (batch norm)", removed.count + 1)
            }
            index += 1
        }
    }

    /// The BatchNormalization that the Add at `index` ends, with the indices of the Mul (and
    /// Sub) it replaces; nil when the pattern does not match exactly.
    private func unfusedBatchNorm(endingAt index: Int) -> (node: ImportedNode, removed: [Int])? {
        let add = nodes[index]
        guard add.op == .add, add.inputs.count == 2 else { return nil }
        let producers = self.producers, consumers = self.consumers
        func singleUse(_ v: String) -> Bool { consumers[v]?.count == 1 && v != output }
        /// The operand that is a per-channel constant, and the other one.
        func split(_ node: ImportedNode) -> (constant: String, channels: Int, other: String)? {
            for (c, o) in [(node.inputs[0], node.inputs[1]), (node.inputs[1], node.inputs[0])] {
                if let t = constants[c], t.isFloat, let n = perChannel(t.shape), constants[o] == nil { return (c, n, o) }
            }
            return nil
        }
        guard let (biasName, channels, product) = split(add), singleUse(product), let mulIndex = producers[product] else { return nil }
        let mul = nodes[mulIndex]
        guard mul.op == .mul, mul.inputs.count == 2, let (scaleName, c2, scaled) = split(mul), c2 == channels else { return nil }
        var removed = [mulIndex], x = scaled, meanName: String?
        if singleUse(scaled), let subIndex = producers[scaled], nodes[subIndex].op == .sub, nodes[subIndex].inputs.count == 2,
           let m = constants[nodes[subIndex].inputs[1]], m.isFloat, perChannel(m.shape) == channels,
           constants[nodes[subIndex].inputs[0]] == nil {
            removed.append(subIndex)
            x = nodes[subIndex].inputs[0]
            meanName = nodes[subIndex].inputs[1]
        }
        return (ImportedNode(name: add.name, onnxOperator: "BatchNormalization", op: .batchNorm(eps: 0, momentum: 0.9),
                             inputs: [x, scaleName, biasName, meanName ?? "", ""], outputs: add.outputs), removed)
    }

    /// C when `shape` is `[C, 1, 1]` or `[1, C, 1, 1]`.
    private func perChannel(_ shape: [Int]) -> Int? {
        switch shape.count {
        case 3 where shape[1] == 1 && shape[2] == 1: return shape[0]
        case 4 where shape[0] == 1 && shape[2] == 1 && shape[3] == 1: return shape[1]
        default: return nil
        }
    }

    /// `node`, a rewritten batch norm reading `[x, scale, bias, mean or "", ""]`, reading
    /// constants of its own instead.
    private mutating func ownConstants(_ node: ImportedNode) -> ImportedNode {
        var node = node
        let (scale, bias, mean) = (node.inputs[1], node.inputs[2], node.inputs[3])
        let channels = constants[scale]?.count ?? 0
        func own(_ source: String?, named base: String, fill: Float) -> String {
            let name = freshName(base)
            let values = source.flatMap { constants[$0] }.map(HostEvaluation.floats) ?? Array(repeating: fill, count: channels)
            constants[name] = HostTensor(shape: [channels], elements: .float(values))
            return name
        }
        node.inputs = [node.inputs[0], own(scale, named: scale + "_bn_scale", fill: 1), own(bias, named: bias + "_bn_bias", fill: 0),
                       own(mean.isEmpty ? nil : mean, named: (mean.isEmpty ? scale : mean) + "_bn_mean", fill: 0),
                       own(nil, named: scale + "_bn_var", fill: 1)]
        return node
    }
}
