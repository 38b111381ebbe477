/// A graph while it is imported: the nodes left to run, the constants known so far, what was
/// folded, and the names of the input and output. Each pass of the import rewrites it.
struct ImportDraft {
    var file: String
    var nodes: [ImportedNode]
    var constants: [String: HostTensor]
    var folded: [String: Int] = [:]
    var input: String
    var output: String

    /// Notes that `count` nodes of `kind` were folded or rewritten.
    mutating func fold(_ kind: String, _ count: Int = 1) { folded[kind, default: 0] += count }

    /// The index of the node writing each value.
    var producers: [String: Int] {
        var out: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for o in node.outputs where !o.isEmpty { out[o] = i } }
        return out
    }

    /// The indices of the nodes reading each value.
    var consumers: [String: [Int]] {
        var out: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() { for v in Set(node.inputs) where !v.isEmpty { out[v, default: []].append(i) } }
        return out
    }

    /// Replaces every read of `old` (and the output, if it is `old`) by `new`.
    mutating func rename(_ old: String, to new: String) {
        for i in nodes.indices { nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 } }
        if output == old { output = new }
    }

    /// A value name not yet used, from `base`.
    func freshName(_ base: String) -> String {
        let used = Set(nodes.flatMap { $0.inputs + $0.outputs }).union(constants.keys).union([input, output])
        var name = base, k = 1
        while used.contains(name) {
            name = "\(base)_\(k)"
            k += 1
        }
        return name
    }

    /// An error naming the file.
    func error(_ message: String) -> ONNXError { ONNXError(file: file, message: message) }
}
