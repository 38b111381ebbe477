/// The stages of an imported trunk: it is cut where a single activation crosses from the nodes
/// before to the nodes after (a cut point), and the pieces are grouped by the spatial size of
/// their output, as a network's stages are: a new stage starts where the resolution changes.
/// Pieces without parameters end the stage before them when they keep its resolution, else
/// join the stage after them (the last ones, the stage before).
enum StageDetection {
    /// The stages of `trunk`, whose activations had `shapes` on a trial run; `parameters` are
    /// the learned and buffer tensors by name (a stage holds those its nodes read first).
    static func stages(trunk: [ImportedNode], input: String, features: String, shapes: [String: [Int]],
                       parameters: Set<String>) -> [ImportedStage] {
        guard !trunk.isEmpty else { return [] }
        // Live ranges of activations: written at index p (input: −1), last read at index r.
        var written: [String: Int] = [input: -1], lastRead: [String: Int] = [:]
        for (i, node) in trunk.enumerated() {
            for v in node.inputs where written[v] != nil { lastRead[v] = i }
            for o in node.outputs where !o.isEmpty && shapes[o] != nil { written[o] = i }
        }
        lastRead[features] = trunk.count
        // After node i, the activations written at or before i and read after it.
        var cuts: [(index: Int, value: String)] = []
        for i in trunk.indices {
            let live = written.filter { $0.value <= i && (lastRead[$0.key] ?? -2) > i }
            if live.count == 1, let v = live.first?.key { cuts.append((i, v)) }
        }
        if cuts.last?.index != trunk.count - 1 { cuts.append((trunk.count - 1, features)) }
        // Pieces between cuts, with the tensors they read first and their output's resolution.
        var claimed = Set<String>(), start = 0
        var pieces: [(nodes: Range<Int>, parameters: [String], size: [Int])] = []
        for cut in cuts {
            var names: [String] = []
            for node in trunk[start...cut.index] {
                for v in node.inputs where parameters.contains(v) && claimed.insert(v).inserted { names.append(v) }
            }
            let shape = shapes[cut.value] ?? []
            pieces.append((start..<(cut.index + 1), names, shape.count == 4 ? Array(shape[2...]) : []))
            start = cut.index + 1
        }
        // Group by resolution.
        var groups: [(nodes: Range<Int>, parameters: [String], size: [Int])] = []
        var pending: Range<Int>?
        for piece in pieces {
            let nodes = (pending?.lowerBound ?? piece.nodes.lowerBound)..<piece.nodes.upperBound
            if piece.parameters.isEmpty, pending == nil, let last = groups.last, last.size == piece.size {
                // An activation after a stage, at its resolution, ends that stage.
                groups[groups.count - 1].nodes = last.nodes.lowerBound..<piece.nodes.upperBound
            } else if piece.parameters.isEmpty {
                pending = nodes
            } else if let last = groups.last, last.size == piece.size {
                groups[groups.count - 1] = (last.nodes.lowerBound..<nodes.upperBound, last.parameters + piece.parameters, last.size)
                pending = nil
            } else {
                groups.append((nodes, piece.parameters, piece.size))
                pending = nil
            }
        }
        if let pending, let last = groups.last {
            groups[groups.count - 1].nodes = last.nodes.lowerBound..<pending.upperBound
        }
        let tops = groups.map { Set($0.parameters.map { String($0.split(separator: ".", omittingEmptySubsequences: false)[0]) }) }
        return groups.enumerated().map { k, g in
            let others = tops.enumerated().filter { $0.offset != k }.reduce(into: Set<String>()) { $0.formUnion($1.element) }
            let name = tops[k].count == 1 && tops[k].isDisjoint(with: others) && g.parameters.contains(where: { $0.contains(".") })
                ? tops[k].first ?? "stage\(k + 1)" : "stage\(k + 1)"
            return ImportedStage(name: name, parameters: g.parameters, outputSize: g.size,
                                 firstNode: trunk[g.nodes.lowerBound].name, lastNode: trunk[g.nodes.upperBound - 1].name)
        }
    }
}
