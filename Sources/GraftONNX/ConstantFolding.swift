extension ImportDraft {
    /// Folds every node whose operands are all constants into a constant (Shape, Gather,
    /// Concat, Reshape, Cast, … on initializers), and removes the nodes that compute nothing
    /// on activations (Identity, a Cast between float types, Dropout), reading their input instead.
    mutating func foldConstants() throws {
        var kept: [ImportedNode] = []
        var alias: [String: String] = [:]
        for var node in nodes {
            node.inputs = node.inputs.map { alias[$0] ?? $0 }
            let operands = node.inputs.filter { !$0.isEmpty }
            if node.op.runsOnHost, operands.allSatisfy({ constants[$0] != nil }) {
                let values = node.inputs.map { $0.isEmpty ? nil : constants[$0] }
                do {
                    for (name, value) in zip(node.outputs, try HostEvaluation.evaluate(node.op, values)) {
                        constants[name] = value
                    }
                } catch {
                    throw self.error("\(ImportedNodeError(node: node, reason: "\(error)"))")
                }
                fold(node.onnxOperator)
                continue
            }
            if isPassThrough(node.op), let x = node.inputs.first, !x.isEmpty {
                if let out = node.outputs.first { alias[out] = x }
                fold(node.onnxOperator)
                continue
            }
            kept.append(node)
        }
        nodes = kept
        output = alias[output] ?? output
        try requireReadable()
    }

    /// Whether `op` returns its first input unchanged when it runs on activations.
    private func isPassThrough(_ op: ImportedOp) -> Bool {
        switch op {
        case .identity, .dropout: return true
        case .cast(let to): return [1, 10, 11, 16].contains(to)
        default: return false
        }
    }

    /// Throws, naming the node, when a node reads an output that no node writes any more
    /// (a Dropout mask, a training BatchNormalization's statistics, a MaxPool's indices).
    func requireReadable() throws {
        var written = Set(constants.keys).union([input])
        for node in nodes {
            for v in node.inputs where !v.isEmpty && !written.contains(v) {
                throw error("node '\(node.name)' (\(node.onnxOperator)) reads '\(v)', which only a training graph computes")
            }
            written.formUnion(node.outputs.prefix(producedOutputs(node.op)))
        }
        guard written.contains(output) else { throw error("the output '\(output)' is not computed") }
    }

    /// How many of a node's outputs Graft computes.
    private func producedOutputs(_ op: ImportedOp) -> Int {
        if case .split(_, let n) = op { return n }
        return 1
    }
}
