import Foundation
import GraftCore
import GraftModels
import GraftNN

/// `graft inspect MODEL --graph`: the graph of one forward pass of a zero image (batch 1) in
/// inference, one line per node (`%3 = conv2d(%2, conv1.weight) stride=2x2 … -> 1x64x112x112`,
/// with its MFLOPs and `@` the module that ran it), then the totals: nodes, parameters read,
/// FLOPs per image.
public func describeGraph(_ name: String) throws -> String {
    let spec = try ModelZoo.spec(name)
    let model = try spec.make(numClasses: spec.defaultNumClasses)
    let graph = try traceGraph(model, input: Tensor.zeros([1] + spec.inputShape))
    return describe(graph, parameters: Dictionary(model.namedParameters(), uniquingKeysWith: { first, _ in first }),
                    title: "\(spec.name): graph of one image in inference")
}

/// `graph` as text, one line per node, then totals; `parameters` are the trainable tensors
/// by name (the others a node reads are buffers).
func describe(_ graph: Graph, parameters: [String: Tensor], title: String) -> String {
    func shape(_ id: Int) -> String { graph.values[id].shape.map(String.init).joined(separator: "x") }
    func operand(_ o: GraphOperand) -> String {
        switch o {
        case .value(let id): return "%\(id)"
        case .parameter(let name): return name
        case .constant(let index): return "const#\(index)"
        }
    }
    var lines = [title] + graph.inputs.map { "%\($0) = input -> \(shape($0))" }
    for node in graph.nodes {
        let attributes = node.op.attributes.isEmpty ? "" : " " + node.op.attributes.joined(separator: " ")
        lines.append("%\(node.output) = \(node.op.name)(\(node.inputs.map(operand).joined(separator: ", ")))\(attributes)"
                     + " -> \(shape(node.output))" + (node.flops > 0 ? String(format: "  %.2f MFLOPs", Double(node.flops) / 1e6) : "")
                     + (node.scope.isEmpty ? "" : "  @" + node.scope))
    }
    lines.append("output: " + graph.outputs.map(operand).joined(separator: ", "))
    let read = graph.parameterNames.compactMap { parameters[$0] }
    let flops = graph.nodes.reduce(0) { $0 + $1.flops }
    lines.append(String(format: "total: %d nodes, %d parameters in %d tensors (and %d buffers), %.3f GFLOPs per image",
                        graph.nodes.count, read.reduce(0) { $0 + $1.count }, read.count,
                        graph.parameterNames.count - read.count, Double(flops) / 1e9))
    return lines.joined(separator: "\n")
}
