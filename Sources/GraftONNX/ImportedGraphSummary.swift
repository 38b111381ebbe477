extension ImportedGraph {
    /// What `graft inspect FILE.onnx` says of the import: input and output, the head, each
    /// stage with its parameters, the operator histogram and what was folded or rewritten.
    public var summaryLines: [String] {
        func count(_ names: [String]) -> Int {
            names.reduce(0) { total, name in total + (parameters.first { $0.name == name }?.shape.reduce(1, *) ?? 0) }
        }
        func histogram(_ h: [String: Int]) -> String {
            h.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        let side = [input.height, input.width].map { $0.map(String.init) ?? "?" }.joined(separator: "×")
        var lines = [
            "ONNX graph \(name), opset \(opset): input '\(input.name)' \(input.channels)×\(side) (\(input.layout.rawValue.uppercased()), \(input.channelOrder.rawValue.uppercased())), "
                + "output '\(output)'\(removedSoftmax ? " (its softmax removed for training; predictions apply it)" : "")",
            "head \(head.path): \(head.kind == .linear ? "fully connected" : "1×1 convolution") \(head.inFeatures) → \(head.outFeatures)"
                + " from node\(head.nodes.count == 1 ? "" : "s") \(head.nodes.map { "'\($0)'" }.joined(separator: " + ")), reading '\(features)'",
        ]
        for (k, s) in stages.enumerated() {
            let size = s.outputSize.isEmpty ? "flat" : s.outputSize.map(String.init).joined(separator: "×")
            lines.append("stage \(k + 1) \(s.name): \(count(s.parameters)) parameters in \(s.parameters.count) tensors, output \(size), nodes '\(s.firstNode)' … '\(s.lastNode)'")
        }
        let buffers = parameters.filter { $0.role == .buffer }.count
        lines.append("\(trunk.count + tail.count) nodes run (\(trunk.count) before the head, \(tail.count) after), "
                     + "\(parameters.count - buffers) learned tensors, \(buffers) buffers, \(constants.count) constants")
        lines.append("operators: " + histogram(operators))
        if !folded.isEmpty { lines.append("folded or rewritten at import: " + histogram(folded)) }
        return lines
    }
}
