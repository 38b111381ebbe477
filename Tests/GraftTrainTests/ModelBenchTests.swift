import Foundation
import GraftCore
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest

final class ModelBenchTests: XCTestCase {
    private func object(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }

    /// Every workload runs on LeNet-5 and prints torch_bench.py's fields plus gflops.
    func testEveryWorkloadPrintsAWellFormedLine() throws {
        for workload in BenchWorkload.allCases {
            let r = try runModelBench(model: "lenet5", workload: workload, batch: 2, seconds: 0.01)
            let o = try object(r.json)
            XCTAssertEqual(o["framework"] as? String, "graft")
            XCTAssertEqual(o["model"] as? String, "lenet5")
            XCTAssertEqual(o["workload"] as? String, workload.rawValue)
            XCTAssertEqual(o["batch"] as? Int, 2)
            XCTAssertNotNil(o["gflops"] as? NSNumber)
            XCTAssertGreaterThan(r.gflops, 0)
            for key in ["img_s", "step_ms"] {
                XCTAssertGreaterThan(try XCTUnwrap((o[key] as? NSNumber)?.doubleValue, key), 0, "\(workload) \(key)")
            }
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(o["steps"] as? Int), 3)
            XCTAssertGreaterThan(try XCTUnwrap(o["peak_rss_mb"] as? Int), 0)
            XCTAssertEqual(r.imagesPerSecond * r.stepSeconds, 2, accuracy: 1e-9)
        }
    }

    /// The trained parameters and module modes follow torch_bench.py.
    /// With bf16 every workload runs (forward and backward in bfloat16) and says so.
    func testBFloat16Workloads() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "this CPU has no AVX512-BF16")
        defer { try? Engine.shared.setPrecision(.float32) }
        for workload in BenchWorkload.allCases {
            let r = try runModelBench(model: "lenet5", workload: workload, batch: 4, seconds: 0.01, precision: .bfloat16)
            XCTAssertEqual(try object(r.json)["precision"] as? String, "bf16")
            XCTAssertTrue(r.text.contains("bf16"), r.text)
        }
    }

    func testWorkloadsFreezeAndSetModesAsTorchBench() throws {
        let spec = try ModelZoo.spec("resnet18")
        func prepared(_ w: BenchWorkload) throws -> (Module, [String]) {
            let m = try spec.make(numClasses: 10)
            _ = try prepareForBench(m, spec: spec, workload: w)
            return (m, m.namedParameters().filter { $0.1.requiresGrad }.map(\.0))
        }
        let (head, headTrained) = try prepared(.trainHead)
        XCTAssertEqual(headTrained, ["fc.weight", "fc.bias"])
        XCTAssertFalse(try XCTUnwrap(head.module(at: "layer4.1.bn2")).training)
        XCTAssertTrue(try XCTUnwrap(head.module(at: "fc")).training)
        let (last, lastTrained) = try prepared(.trainLast)
        XCTAssertTrue(lastTrained.allSatisfy { $0.hasPrefix("layer4.") || $0.hasPrefix("fc.") })
        XCTAssertTrue(lastTrained.contains("layer4.0.conv1.weight"))
        XCTAssertTrue(try XCTUnwrap(last.module(at: "layer4.1.bn2")).training)
        XCTAssertFalse(try XCTUnwrap(last.module(at: "layer3.1.bn2")).training)
        let (full, fullTrained) = try prepared(.trainFull)
        XCTAssertEqual(fullTrained.count, full.namedParameters().count)
        XCTAssertTrue(full.training)
        let (infer, inferTrained) = try prepared(.infer)
        XCTAssertTrue(inferTrained.isEmpty)
        XCTAssertFalse(infer.training)
        func lastStage(_ name: String) throws -> [String] {
            let spec = try ModelZoo.spec(name)
            return lastStagePrefixes(try Init.withoutInitialisation { try spec.make(numClasses: 2) }, spec: spec)
        }
        XCTAssertEqual(try lastStage("vgg16"), ["features.24", "features.26", "features.28", "classifier"])
        XCTAssertEqual(try lastStage("lenet5"), ["fc2"])
    }

    /// Inference counts the forward FLOPs once; full training three times; the head alone adds
    /// twice the head's forward FLOPs.
    func testFLOPsConvention() throws {
        let spec = try ModelZoo.spec("lenet5")
        let model = try spec.make(numClasses: 10)
        let rows = try summarize(model, inputShape: spec.inputShape)
        let forward = rows.reduce(0) { $0 + $1.flops }
        let head = rows.filter { $0.name == "fc3" }.reduce(0) { $0 + $1.flops }
        XCTAssertGreaterThan(head, 0)
        XCTAssertEqual(try modelBenchFLOPs(model, spec: spec, trainedPrefixes: []), forward)
        XCTAssertEqual(try modelBenchFLOPs(model, spec: spec, trainedPrefixes: [""]), 3 * forward)
        XCTAssertEqual(try modelBenchFLOPs(model, spec: spec, trainedPrefixes: ["fc3"]), forward + 2 * head)
    }

    private let torchLines = """
    {"framework": "pytorch", "version": "2.15.0", "model": "lenet5", "workload": "infer", "batch": 2, "layout": "nchw", "img_s": 50.0, "step_ms": 40.0, "steps": 3, "peak_rss_mb": 300, "malloc": "tuned"}
    {"framework": "pytorch", "version": "2.15.0", "model": "lenet5", "workload": "infer", "batch": 2, "layout": "channels_last", "img_s": 80.0, "step_ms": 25.0, "steps": 3, "peak_rss_mb": 300, "malloc": "tuned"}

    {"framework": "pytorch", "version": "2.15.0", "model": "lenet5", "workload": "infer", "batch": 4, "layout": "nchw", "img_s": 999.0, "step_ms": 4.0, "steps": 3, "peak_rss_mb": 300, "malloc": "tuned"}
    {"framework": "graft", "model": "lenet5", "workload": "infer", "batch": 2, "img_s": 5000.0, "step_ms": 0.4, "steps": 3, "peak_rss_mb": 30, "gflops": 1.0}
    """

    func testCompareUsesPyTorchsBestLayout() throws {
        let figures = try TorchBenchFigures(text: torchLines, source: "fixture")
        let graft = ModelBenchResult(model: "lenet5", workload: .infer, batch: 2, stepSeconds: 0.02, steps: 3,
                                     peakResidentMB: 30, flopsPerImage: 1000)
        let c = figures.compare(graft)
        XCTAssertEqual(c.pytorchBest?.imagesPerSecond, 80)
        XCTAssertEqual(c.pytorchBest?.layout, "channels_last")
        XCTAssertEqual(c.pytorchBest?.compiled, false)
        XCTAssertEqual(c.pytorchEager, c.pytorchBest)
        XCTAssertEqual(try XCTUnwrap(c.ratio), 100.0 / 80.0, accuracy: 1e-12)
        let o = try object(c.json)
        XCTAssertEqual(try XCTUnwrap((o["ratio"] as? NSNumber)?.doubleValue), 1.25, accuracy: 1e-9)
        XCTAssertEqual(o["pytorch_version"] as? String, "2.15.0")
        XCTAssertTrue(c.text.contains("1.25×"), c.text)

        var other = graft
        other.workload = .trainFull
        let missing = figures.compare(other)
        XCTAssertNil(missing.ratio)
        XCTAssertTrue(try object(missing.json)["ratio"] is NSNull)
    }

    /// torch_bench.py's lines at both precisions, eager and compiled, in both layouts.
    private let precisionLines = """
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "nchw", "precision": "fp32", "compiled": false, "img_s": 21.6}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "channels_last", "precision": "fp32", "compiled": false, "img_s": 22.3}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "nchw", "precision": "bf16", "compiled": false, "img_s": 43.5}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "channels_last", "precision": "bf16", "compiled": false, "img_s": 42.4}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "nchw", "precision": "fp32", "compiled": true, "img_s": 23.9}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "channels_last", "precision": "fp32", "compiled": true, "img_s": 24.8}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "infer", "batch": 32, "layout": "channels_last", "precision": "bf16", "compiled": true, "img_s": 49.2}
    {"framework": "pytorch", "version": "2.15.0", "model": "resnet50", "workload": "train-full", "batch": 32, "layout": "channels_last", "precision": "fp32", "compiled": true, "img_s": 6.55}
    """

    private func resnet50(_ workload: BenchWorkload, _ precision: ComputePrecision, imagesPerSecond: Double) -> ModelBenchResult {
        ModelBenchResult(model: "resnet50", workload: workload, batch: 32, stepSeconds: 32 / imagesPerSecond, steps: 3,
                         peakResidentMB: 500, flopsPerImage: 1000, precision: precision)
    }

    /// Each precision is compared with PyTorch's figures at that precision only: the best over
    /// eager and compiled in either layout, and the best eager one.
    func testCompareTakesPyTorchsBestAtTheSamePrecision() throws {
        let figures = try TorchBenchFigures(text: precisionLines, source: "fixture")
        let fp32 = figures.compare(resnet50(.infer, .float32, imagesPerSecond: 24))
        XCTAssertEqual(fp32.pytorchBest?.imagesPerSecond, 24.8)
        XCTAssertEqual(fp32.pytorchBest?.configuration, "compiled, channels_last")
        XCTAssertEqual(fp32.pytorchEager?.imagesPerSecond, 22.3)
        XCTAssertEqual(fp32.pytorchEager?.layout, "channels_last")
        XCTAssertEqual(try XCTUnwrap(fp32.ratio), 24 / 24.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(fp32.eagerRatio), 24 / 22.3, accuracy: 1e-12)

        // bf16 against bf16: the compiled channels_last figure, and eager's best layout (NCHW here).
        let bf16 = figures.compare(resnet50(.infer, .bfloat16, imagesPerSecond: 40.5))
        XCTAssertEqual(bf16.pytorchBest?.imagesPerSecond, 49.2)
        XCTAssertEqual(bf16.pytorchBest?.precision, .bfloat16)
        XCTAssertEqual(bf16.pytorchEager?.imagesPerSecond, 43.5)
        XCTAssertEqual(bf16.pytorchEager?.layout, "nchw")
        let o = try object(bf16.json)
        XCTAssertEqual(o["precision"] as? String, "bf16")
        XCTAssertEqual(try XCTUnwrap((o["pytorch_img_s"] as? NSNumber)?.doubleValue), 49.2, accuracy: 1e-9)
        XCTAssertEqual((o["pytorch_compiled"] as? NSNumber)?.boolValue, true)
        XCTAssertEqual(o["pytorch_layout"] as? String, "channels_last")
        XCTAssertEqual(try XCTUnwrap((o["ratio"] as? NSNumber)?.doubleValue), 40.5 / 49.2, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap((o["pytorch_eager_img_s"] as? NSNumber)?.doubleValue), 43.5, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap((o["eager_ratio"] as? NSNumber)?.doubleValue), 40.5 / 43.5, accuracy: 1e-3)
        XCTAssertTrue(bf16.text.contains("bf16 best 49.20 img/s (compiled, channels_last), ratio 0.82×"), bf16.text)
        XCTAssertTrue(bf16.text.contains("eager 43.50 img/s (nchw), ratio 0.93×"), bf16.text)

        // Only a compiled figure: a best, no eager one. No bf16 figure at all: nothing, not fp32's.
        let compiledOnly = figures.compare(resnet50(.trainFull, .float32, imagesPerSecond: 7.2))
        XCTAssertEqual(compiledOnly.pytorchBest?.imagesPerSecond, 6.55)
        XCTAssertNil(compiledOnly.pytorchEager)
        XCTAssertTrue(try object(compiledOnly.json)["eager_ratio"] is NSNull)
        let noBF16 = figures.compare(resnet50(.trainFull, .bfloat16, imagesPerSecond: 12))
        XCTAssertNil(noBF16.pytorchBest)
        XCTAssertNil(noBF16.ratio)
        XCTAssertTrue(noBF16.text.contains("no PyTorch bf16 figure"), noBF16.text)
    }

    func testCompareRefusesAnUnknownPrecision() throws {
        let line = "{\"framework\": \"pytorch\", \"model\": \"m\", \"workload\": \"infer\", \"batch\": 1, \"img_s\": 1, \"precision\": \"fp16\"}"
        XCTAssertThrowsError(try TorchBenchFigures(text: line, source: "t.jsonl")) {
            XCTAssertTrue("\($0)".contains("t.jsonl line 1") && "\($0)".contains("fp16"), "\($0)")
        }
    }

    func testMalformedCompareLineIsNamed() throws {
        XCTAssertThrowsError(try TorchBenchFigures(text: "{\"framework\": \"pytorch\"}\nnot json", source: "t.jsonl")) {
            XCTAssertTrue("\($0)".contains("t.jsonl line 1"), "\($0)")
        }
        XCTAssertThrowsError(try TorchBenchFigures(text: "\nnot json", source: "t.jsonl")) {
            XCTAssertTrue("\($0)".contains("t.jsonl line 2"), "\($0)")
        }
    }

    func testCommandLineBenchesAndCompares() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("torch-\(UUID()).jsonl").path
        try torchLines.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try runGraft(["bench", "--model", "lenet5", "--workload", "infer", "--batch", "2", "--seconds", "0.01",
                              "--json", "--compare", file])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, r.stdout)
        let figure = try object(lines[0]), comparison = try object(lines[1])
        XCTAssertEqual(figure["framework"] as? String, "graft")
        let img = try XCTUnwrap((figure["img_s"] as? NSNumber)?.doubleValue)
        let ratio = try XCTUnwrap((comparison["ratio"] as? NSNumber)?.doubleValue)
        XCTAssertEqual(ratio, img / 80, accuracy: 0.01 * ratio)
    }

    /// `--precision bf16 --compare` sets Graft's bf16 figure beside PyTorch's bf16 lines only.
    func testCommandLineComparesBFloat16WithBFloat16() throws {
        try XCTSkipUnless(Engine.shared.supportsBFloat16, "this CPU has no AVX512-BF16")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("torch-\(UUID()).jsonl").path
        let bf16Lines = torchLines + """

        {"framework": "pytorch", "version": "2.15.0", "model": "lenet5", "workload": "infer", "batch": 2, "layout": "nchw", "precision": "bf16", "compiled": true, "img_s": 60.0}
        {"framework": "pytorch", "version": "2.15.0", "model": "lenet5", "workload": "infer", "batch": 2, "layout": "nchw", "precision": "bf16", "compiled": false, "img_s": 40.0}
        """
        try bf16Lines.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try runGraft(["bench", "--model", "lenet5", "--workload", "infer", "--batch", "2", "--seconds", "0.01",
                              "--precision", "bf16", "--json", "--compare", file])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, r.stdout)
        let comparison = try object(lines[1])
        XCTAssertEqual(comparison["precision"] as? String, "bf16")
        XCTAssertEqual((comparison["pytorch_img_s"] as? NSNumber)?.doubleValue, 60)
        XCTAssertEqual((comparison["pytorch_eager_img_s"] as? NSNumber)?.doubleValue, 40)
    }

    func testBadModelOrWorkloadNamesTheFlag() throws {
        let model = try runGraft(["bench", "--model", "resnet9000"])
        XCTAssertEqual(model.status, 64)
        XCTAssertTrue(model.stderr.contains("--model") && model.stderr.contains("resnet9000"), model.stderr)
        let workload = try runGraft(["bench", "--model", "lenet5", "--workload", "train-everything"])
        XCTAssertEqual(workload.status, 64)
        XCTAssertTrue(workload.stderr.contains("--workload") && workload.stderr.contains("train-everything"), workload.stderr)
        let neither = try runGraft(["bench"])
        XCTAssertEqual(neither.status, 64)
        XCTAssertTrue(neither.stderr.contains("--model") && neither.stderr.contains("--data"), neither.stderr)
        let precision = try runGraft(["bench", "--model", "lenet5", "--precision", "fp16"])
        XCTAssertEqual(precision.status, 64)
        XCTAssertTrue(precision.stderr.contains("--precision") && precision.stderr.contains("fp16"), precision.stderr)
    }

    /// --peak times oneDNN's sgemm and, where the CPU multiplies bf16, its bf16 matmul: positive
    /// figures, one JSON line each in the same shape as the others.
    func testPeakMeasuresSgemmAndBFloat16Gemm() throws {
        let r = try runGraft(["bench", "--peak", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try r.stdout.split(separator: "\n").map { try object(String($0)) }
        let expected = Engine.shared.supportsBFloat16 ? ["sgemm-peak", "bf16-gemm-peak"] : ["sgemm-peak"]
        XCTAssertEqual(lines.map { $0["workload"] as? String }, expected)
        for o in lines {
            XCTAssertGreaterThan(try XCTUnwrap((o["gflops"] as? NSNumber)?.doubleValue), 1)
        }
        XCTAssertEqual(try runGraft(["bench", "--peak", "--model", "lenet5"]).status, 64)
    }
}
