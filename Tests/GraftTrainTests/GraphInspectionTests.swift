import GraftCore
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class GraphInspectionTests: XCTestCase {
    /// ResNet-18's graph: the stem as conv → bn → relu → pool with names, attributes, shapes,
    /// FLOPs and modules; the eight residual additions, in their blocks; the head; and totals that count every parameter once
    /// and every FLOP the forward reports.
    func testResNet18GraphListsEveryOpAndTheTotals() throws {
        let lines = try describeGraph("resnet18").split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(5)), [
            "resnet18: graph of one image in inference",
            "%0 = input -> 1x3x224x224",
            "%1 = conv2d(%0, conv1.weight) stride=2x2 pad=3,3,3,3 -> 1x64x112x112  236.03 MFLOPs  @conv1",
            "%2 = batch_norm(%1, bn1.weight, bn1.bias, bn1.running_mean, bn1.running_var) eps=1e-05 -> 1x64x112x112  1.61 MFLOPs  @bn1",
            "%3 = relu(%2) -> 1x64x112x112  0.80 MFLOPs  @relu",
        ])
        XCTAssertEqual(lines[5], "%4 = max_pool2d(%3) kernel=3x3 stride=2x2 pad=1,1 -> 1x64x56x56  1.81 MFLOPs  @maxpool")
        XCTAssertEqual(lines[11], "%10 = add(%9, %4) -> 1x64x56x56  0.20 MFLOPs  @layer1.0")
        XCTAssertEqual(lines.filter { $0.contains(" = add(") }.count, 8)
        XCTAssertEqual(lines.suffix(2), ["output: %69",
                                         "total: 69 nodes, 11689512 parameters in 62 tensors (and 40 buffers), 3.638 GFLOPs per image"])

        let model = try ResNet.resnet18(numClasses: 1000)
        let (graph, flops) = try FLOPCounter.counting { try traceGraph(model, input: Tensor.zeros([1, 3, 224, 224])) }
        XCTAssertEqual(graph.nodes.reduce(0) { $0 + $1.flops }, flops, "every FLOP of the forward belongs to a node")
        XCTAssertEqual(model.parameterCount, 11_689_512)
    }
}
