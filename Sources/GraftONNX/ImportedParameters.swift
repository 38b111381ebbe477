/// The state of an imported graph: which constants the nodes read as tensors, in first-use
/// order, and which of them are learned.
enum ImportedParameters {
    /// The values the nodes compute on the host when they run (shape arithmetic from Shape).
    static func hostValues(_ nodes: [ImportedNode], constants: [String: HostTensor]) -> Set<String> {
        var host = Set<String>()
        for node in nodes {
            if case .shape = node.op {
                host.formUnion(node.outputs)
            } else if node.op.runsOnHost, node.inputs.allSatisfy({ $0.isEmpty || constants[$0] != nil || host.contains($0) }) {
                host.formUnion(node.outputs)
            }
        }
        return host
    }

    /// The constants that `trunk` and `tail` read as tensors, in first-use order: learned
    /// parameters where the trunk reads them as a convolution's, Gemm's, MatMul's, batch or layer
    /// norm's weights and biases (or as the bias added to such a node's output), buffers
    /// otherwise (running statistics, constants of arithmetic, everything the tail reads).
    static func roles(trunk: [ImportedNode], tail: [ImportedNode], constants: [String: HostTensor]) -> [(String, ImportedParameter.Role)] {
        let host = hostValues(trunk + tail, constants: constants)
        var producers: [String: ImportedOp] = [:]
        for node in trunk + tail { for o in node.outputs { producers[o] = node.op } }
        var order: [String] = [], roles: [String: ImportedParameter.Role] = [:]
        for (inTail, node) in trunk.map({ (false, $0) }) + tail.map({ (true, $0) }) {
            if host.isSuperset(of: node.outputs.filter { !$0.isEmpty }) { continue }
            for (position, name) in node.inputs.enumerated() where !name.isEmpty && constants[name] != nil && !node.op.hostInputs.contains(position) {
                let learned = !inTail && isLearned(node, position: position, producers: producers)
                if roles[name] == nil { order.append(name) }
                if learned || roles[name] == nil { roles[name] = learned ? .parameter : .buffer }
            }
        }
        return order.map { ($0, roles[$0] ?? .buffer) }
    }

    private static func isLearned(_ node: ImportedNode, position: Int, producers: [String: ImportedOp]) -> Bool {
        switch node.op {
        case .conv, .gemm, .layerNorm: return position >= 1
        case .batchNorm: return position == 1 || position == 2
        case .matMul: return position == 1
        case .add:
            let other = node.inputs[1 - min(position, 1)]
            switch producers[other] {
            case .conv?, .gemm?, .matMul?: return true
            default: return false
            }
        default: return false
        }
    }
}
