import GraftCore
import XCTest
@testable import GraftModels
@testable import GraftNN

/// Every built-in zoo model compiled int8 (calibrated on the batch itself) against its float32
/// plan on a batch of 4 smooth images: the logits' cosine similarity (each row centred) is at
/// least 0.99, and the top class is the same for every image whose float32 top two logits lie
/// apart by more than 10% of that image's logit spread (randomly initialised heads give near
/// ties, which any rounding may flip). A wrong step, zero point or sum scale moves the logits far
/// past this; ops that cannot run int8 run in float32 and pass.
final class Int8ZooTests: XCTestCase {
    private static let classes = 10

    /// Smooth images (a sum of low-frequency waves per channel), normalised like photographs.
    private func batch(for spec: ModelSpec, seed: Int) -> Tensor {
        let side = spec.name == "inception_v3" ? 96 : spec.name == "lenet5" ? 32 : 64
        let shape = [4, spec.preprocessing.channels, side, side]
        var data = [Float](repeating: 0, count: shape.reduce(1, *))
        for i in data.indices {
            let (x, y, ch, n) = (i % side, (i / side) % side, (i / (side * side)) % shape[1], i / (side * side * shape[1]))
            let f = Float(n * 7 + ch * 3 + seed)
            data[i] = sin(Float(x) * (0.05 + 0.01 * f)) + cos(Float(y) * (0.07 + 0.013 * f) + f) * 0.8
        }
        return Tensor(shape: shape, data: data)
    }

    func testEveryZooModelInInt8AgreesWithFloat32() throws {
        try XCTSkipUnless(Engine.shared.supportsInt8, "no VNNI")
        defer { try? Engine.shared.setPrecision(.float32) }
        var report: [String] = []
        for spec in ModelZoo.builtIn {
            seedRandom(for: spec)
            let model = try spec.make(numClasses: Self.classes)
            model.eval()
            let x = batch(for: spec, seed: 3)
            try Engine.shared.setPrecision(.float32)
            let compiled = CompiledInference(model)
            let expected = try compiled(x).toArray()
            try compiled.calibrate([x])
            try Engine.shared.setPrecision(.int8)
            let got: [Float]
            do { got = try compiled(x).toArray() } catch { XCTFail("\(spec.name): \(error)"); continue }
            let steps = try XCTUnwrap(compiled.plan(for: x)).steps
            let int8Steps = steps.filter { $0.op.hasPrefix("int8:") }.count
            let similarity = centredCosine(got, expected)
            let (agree, clear) = topClassAgreement(got, expected)
            report.append(String(format: "%@ cos %.4f top-1 %d/%d (%d int8 convs)", spec.name, similarity, agree, clear, int8Steps))
            XCTAssertGreaterThanOrEqual(similarity, 0.99, spec.name)
            XCTAssertEqual(agree, clear, "\(spec.name): top class")
            XCTAssertGreaterThan(int8Steps, 0, "\(spec.name) runs some convolution int8")
        }
        print("int8 vs fp32:", report.joined(separator: "; "))
    }

    private func centredCosine(_ a: [Float], _ b: [Float]) -> Double {
        var (ab, aa, bb) = (0.0, 0.0, 0.0)
        for row in stride(from: 0, to: a.count, by: Self.classes) {
            let ra = a[row..<row + Self.classes].map(Double.init), rb = b[row..<row + Self.classes].map(Double.init)
            let (ma, mb) = (ra.reduce(0, +) / Double(ra.count), rb.reduce(0, +) / Double(rb.count))
            for (x, y) in zip(ra, rb) { ab += (x - ma) * (y - mb); aa += (x - ma) * (x - ma); bb += (y - mb) * (y - mb) }
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : (aa == bb ? 1 : 0)
    }

    /// How many rows with a clear float32 top class (`expected`) `got` picks too, and how many have one.
    private func topClassAgreement(_ got: [Float], _ expected: [Float]) -> (agree: Int, clear: Int) {
        var (agree, clear) = (0, 0)
        for row in stride(from: 0, to: expected.count, by: Self.classes) {
            let e = Array(expected[row..<row + Self.classes]), g = Array(got[row..<row + Self.classes])
            let order = e.indices.sorted { e[$0] > e[$1] }
            guard let last = order.last, e[order[0]] - e[order[1]] > 0.1 * (e[order[0]] - e[last]) else { continue }
            clear += 1
            if g.indices.max(by: { g[$0] < g[$1] }) == order[0] { agree += 1 }
        }
        return (agree, clear)
    }
}
