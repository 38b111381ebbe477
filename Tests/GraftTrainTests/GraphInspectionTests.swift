import GraftCore
import GraftModels
import GraftNN
import XCTest
@testable import GraftTrain

final class GraphInspectionTests: XCTestCase {
    /// ResNet-18's plan: the entry copy, the stem as one convolution with its batch norm folded
    /// and ReLU fused, the pooling in the convolution's layout, the eight residual sums inside
    /// their blocks' second convolutions, nothing run eagerly and no reorder, FLOPs that add up
    /// to the traced forward's but for the folded batch norms, and less than half the memory of
    /// a buffer per value.
    func testResNet18PlanListsEveryStepAndTheTotals() throws {
        let lines = try describeGraph("resnet18").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "resnet18: compiled plan of one image in inference, fp32")
        XCTAssertTrue(lines[1].hasPrefix("%0 = input -> 1x3x224x224 fp32 "), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("%1 = conv2d_batch_norm(%0; conv1.weight, bn1.weight, bn1.bias, bn1.running_mean, bn1.running_var) "
                                         + "stride=2x2 pad=3,3,3,3 eps=1e-05 post=relu -> 1x64x112x112 fp32 "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("%2 = max_pool2d(%1) kernel=3x3 stride=2x2 pad=1,1 -> 1x64x56x56 fp32 "), lines[3])
        XCTAssertTrue(lines[3].hasSuffix("@maxpool"), lines[3])
        XCTAssertEqual(lines.filter { $0.contains("post=sum post=relu") }.count, 8)
        XCTAssertFalse(lines.contains { $0.contains(" = add(") || $0.contains(" = relu(") || $0.contains("eager:") })

        let model = try ResNet.resnet18(numClasses: 1000)
        let traced = try traceGraph(model, input: Tensor.zeros([1, 3, 224, 224]))
        // A folded batch norm costs nothing: its scale and shift are in the convolution's weights.
        let flops = traced.nodes.reduce(0) { total, node in
            if case .batchNorm = node.op { return total }
            return total + node.flops
        }
        let total = try XCTUnwrap(lines.last)
        XCTAssertTrue(total.hasPrefix(String(format: "total: 25 steps (0 reorders, 0 ops run eagerly), %.3f GFLOPs per image; memory planned ",
                                             Double(flops) / 1e9)), total)
        let plan = try ExecutionPlan(optimizedForInference(traced),
                                     parameters: graphParameters(of: model), precision: .float32)
        XCTAssertLessThan(plan.plannedBytes, plan.unplannedBytes / 2)
    }

    /// With `--freeze last:1` the plan is the frozen part of a training step: the stages below
    /// layer4, without the trained stage or the head; with nothing frozen, nothing is compiled.
    func testFreezeShowsTheFrozenPartOfATrainingStep() throws {
        let last = try describeGraph("resnet18", freeze: .last(1)).split(separator: "\n").map(String.init)
        XCTAssertTrue(last[0].hasPrefix("resnet18, training with --freeze last:1: the frozen part, compiled"), last[0])
        XCTAssertTrue(last.contains { $0.contains("layer3.1.conv2.weight") })
        XCTAssertFalse(last.contains { $0.contains("layer4.") || $0.contains("fc.weight") })
        XCTAssertTrue(try describeGraph("resnet18", freeze: FreezePolicy.none).contains("none runs compiled"))
    }

    /// Under bf16 the activations stay bfloat16 from the stem to the pooling before the head.
    func testBFloat16PlanKeepsActivationsInBFloat16() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "no AVX512-BF16")
        let lines = try describeGraph("resnet18", precision: .bfloat16).split(separator: "\n").map(String.init)
        let convolutions = lines.filter { $0.contains(" = conv2d_batch_norm(") }
        XCTAssertEqual(convolutions.count, 20)
        XCTAssertTrue(convolutions.allSatisfy { $0.contains(" bf16 ") }, convolutions.joined(separator: "\n"))
        XCTAssertTrue(lines.first { $0.contains("adaptive_avg_pool2d") }?.contains(" bf16 ") == true)
    }
}
