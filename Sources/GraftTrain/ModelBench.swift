import Foundation
import GraftCore
import GraftModels
import GraftNN
import GraftONNX

/// What the model benchmark times: the workloads of shared/bench/torch_bench.py.
public enum BenchWorkload: String, CaseIterable, Sendable {
    /// The whole model in eval and inference mode.
    case infer
    /// The trunk only (head replaced by an identity), eval and inference mode.
    case features
    /// A new 10-class head trains; the trunk is frozen and in eval mode.
    case trainHead = "train-head"
    /// The last stage and the head train; the rest is frozen and in eval mode.
    case trainLast = "train-last"
    /// Everything trains, in training mode.
    case trainFull = "train-full"

    var trains: Bool { self == .trainHead || self == .trainLast || self == .trainFull }
}

/// One figure of the model benchmark, the line torch_bench.py prints plus GFLOP/s.
public struct ModelBenchResult: Sendable {
    public var model: String
    public var workload: BenchWorkload
    public var batch: Int
    /// Median time of one step (a forward pass, or forward + backward + SGD update), in seconds.
    public var stepSeconds: Double
    /// Timed steps.
    public var steps: Int
    /// Peak resident memory of the process so far (getrusage's ru_maxrss), in MiB.
    public var peakResidentMB: Int
    /// FLOPs of one step per image (see `modelBenchFLOPs`).
    public var flopsPerImage: Int
    /// The number format convolutions and fully connected layers multiplied in.
    public var precision: ComputePrecision = .float32

    /// Images per second at the median step time.
    public var imagesPerSecond: Double { Double(batch) / stepSeconds }
    /// Billions of floating-point operations per second at the median step time.
    public var gflops: Double { Double(flopsPerImage) * imagesPerSecond / 1e9 }

    /// `{"framework": "graft", "model": …, "workload": …, "batch": …, "img_s": …, "step_ms": …,
    /// "steps": …, "peak_rss_mb": …, "gflops": …, "precision": …}`, torch_bench.py's fields.
    public var json: String {
        "{\"framework\": \"graft\", \"model\": \"\(model)\", \"workload\": \"\(workload.rawValue)\", \"batch\": \(batch), "
            + String(format: "\"img_s\": %.2f, \"step_ms\": %.1f, \"steps\": %d, \"peak_rss_mb\": %d, \"gflops\": %.2f, ",
                     imagesPerSecond, stepSeconds * 1e3, steps, peakResidentMB, gflops)
            + "\"precision\": \"\(precision.rawValue)\"}"
    }

    /// One line for people.
    public var text: String {
        String(format: "%@ %@ batch %d%@: %.2f images/s, %.1f ms/step (median of %d), %.1f GFLOP/s, peak RSS %d MB",
               model, workload.rawValue, batch, precision == .float32 ? "" : " " + precision.rawValue, imagesPerSecond,
               stepSeconds * 1e3, steps, gflops, peakResidentMB)
    }
}

/// Times `workload` on zoo model `model` at `batch` images per step, as torch_bench.py does:
/// a fresh model with a 10-class head (seeded), a random normal batch, two warm-up steps
/// (they build oneDNN's primitives), then steps until at least `seconds` and three steps have
/// passed; the figure is the median step. Training steps are forward (a `TrainingForward`),
/// cross-entropy, backward and an SGD step (lr 0.01, momentum 0.9) over the trained parameters; frozen modules run in
/// eval mode, modules whose parameters all train in training mode (see `prepareForBench`).
/// Inference and features run compiled (`CompiledInference`), training steps through
/// `TrainingForward` (the frozen part compiled).
/// Under int8 the activation ranges are calibrated on the timed batch first.
/// `precision` is set on the engine for the rest of the process. `weights` (a weight file of
/// the model) is loaded before its head is replaced; without it the weights are random.
public func runModelBench(model name: String, workload: BenchWorkload, batch: Int, seconds minimum: Double,
                          precision: ComputePrecision = .float32, weights: String? = nil) throws -> ModelBenchResult {
    guard batch > 0 else { throw GraftError.invalidArgument(op: "bench", detail: "batch \(batch) must be positive") }
    guard minimum > 0 else { throw GraftError.invalidArgument(op: "bench", detail: "seconds \(minimum) must be positive") }
    try Engine.shared.setPrecision(precision)
    if precision == .int8 && workload.trains {
        throw GraftError.invalidArgument(op: "bench", detail: "--precision int8 runs the infer and features workloads (what does not train)")
    }
    let spec = try ModelZoo.spec(name)
    GlobalRandom.seed(0)
    let model = try weights.map { try buildModel(spec: spec, weights: $0, head: HeadConfig(classes: benchClasses)) }
        ?? spec.make(numClasses: benchClasses)
    if workload == .features { try model.replaceModule(at: model.headPath, with: Identity()) }
    let trained = try prepareForBench(model, spec: spec, workload: workload)
    let flops = try modelBenchFLOPs(model, spec: spec, trainedPrefixes: workload.trains ? trained : [])

    var generator = RandomGenerator(seed: 0)
    let count = batch * spec.inputShape.reduce(1, *)
    let x = Tensor(shape: [batch] + spec.inputShape, data: (0..<count).map { _ in generator.nextNormal() })
    let y = Tensor(labels: (0..<batch).map { $0 % benchClasses })
    let step: () throws -> Void
    if workload.trains {
        let optimizer = try SGD(parameters: model.parameters().filter(\.requiresGrad), lr: 0.01, momentum: 0.9)
        let forward = TrainingForward(model)
        step = {
            optimizer.zeroGrad()
            try crossEntropy(try forward(x), labels: y).backward()
            try optimizer.step()
        }
    } else {
        let inference = CompiledInference(model)
        if precision == .int8 { try inference.calibrate([x]) }
        step = { _ = try inference(x) }
    }

    for _ in 0..<2 { try step() }
    var times: [Double] = []
    let start = DispatchTime.now()
    while times.count < 3 || seconds(since: start) < minimum {
        let t0 = DispatchTime.now()
        try step()
        times.append(seconds(since: t0))
    }
    return ModelBenchResult(model: spec.name, workload: workload, batch: batch, stepSeconds: median(times),
                            steps: times.count, peakResidentMB: peakResidentMegabytes(), flopsPerImage: flops,
                            precision: precision)
}

/// Classes of the benchmark's new head, as torch_bench.py's default.
let benchClasses = 10

/// Freezes what `workload` does not train and sets the modes torch_bench.py sets: the whole
/// model in eval mode, then every module whose parameters all train back in training mode.
/// Auxiliary heads never train (torch_bench.py builds the models without them). Returns the
/// trained name prefixes (empty for `infer` and `features`).
func prepareForBench(_ model: any TransferModel, spec: ModelSpec, workload: BenchWorkload) throws -> [String] {
    let trained: [String]
    switch workload {
    case .infer, .features: trained = []
    case .trainHead: trained = [model.headPath]
    case .trainLast: trained = lastStagePrefixes(model, spec: spec) + [model.headPath]
    case .trainFull: trained = [""]
    }
    model.freeze()
    if !trained.isEmpty {
        guard model.unfreeze(trained) > 0 else {
            throw GraftError.invalidState("\(spec.name): no parameters under \(trained.joined(separator: ", "))")
        }
        if !model.auxiliaryHeads.isEmpty { model.freeze(model.auxiliaryHeadPaths) }
    }
    model.eval()
    if workload.trains {
        for (_, m) in model.namedModules() {
            let params = m.parameters()
            if !params.isEmpty && params.allSatisfy(\.requiresGrad) { m.train() }
        }
    }
    return trained
}

/// The last trainable stage as torch_bench.py's LAST_STAGE names it per model family (VGG's
/// last three convolutions, GoogLeNet's `inception5*`, Inception-v3's `Mixed_7*`, …, and like
/// MobileNet-v2's, EfficientNet-Lite0's last block and conv head); for
/// models it does not list, the last of the model's stages before the head.
func lastStagePrefixes(_ model: any TransferModel, spec: ModelSpec) -> [String] {
    let families: [(String, [String])] = [
        ("resnet", ["layer4"]), ("vgg", ["features.24", "features.26", "features.28", "classifier"]),
        ("alexnet", ["features.10", "classifier"]), ("googlenet", ["inception5a", "inception5b"]),
        ("inception_v3", ["Mixed_7a", "Mixed_7b", "Mixed_7c"]), ("mobilenet_v2", ["features.17", "features.18"]),
        ("squeezenet", ["features.12"]),
        ("efficientnet", ["_blocks.15", "_conv_head", "_bn1"]),
    ]
    if let family = families.first(where: { spec.name.hasPrefix($0.0) }) { return family.1 }
    return model.trunkStagePaths.last.map(model.parameterPrefixes(ofStage:)) ?? []
}

/// FLOPs of one benchmark step per image, from `summarize`'s per-layer forward counts (a
/// multiply-add is two): the forward pass of every layer, plus twice the forward FLOPs of each
/// layer under `trainedPrefixes` for its backward pass (gradients of input and weights), so a
/// fully trained layer counts three times its forward cost. Optimizer updates are not counted.
func modelBenchFLOPs(_ model: Module, spec: ModelSpec, trainedPrefixes: [String]) throws -> Int {
    let wasTraining = model.namedModules().map { $0.1.training }
    defer { for ((_, m), on) in zip(model.namedModules(), wasTraining) where m.training != on { m.train(on) } }
    func trained(_ name: String) -> Bool {
        trainedPrefixes.contains { $0.isEmpty || name == $0 || name.hasPrefix($0 + ".") }
    }
    if model is ImportedModel {
        // An imported graph's ops run outside any layer: count its traced nodes, those that
        // read a trained parameter three times.
        return try traceGraph(model, input: Tensor.zeros([1] + spec.inputShape)).nodes.reduce(0) { total, node in
            let trains = node.inputs.contains { if case .parameter(let name) = $0 { return trained(name) }; return false }
            return total + node.flops * (trains ? 3 : 1)
        }
    }
    let rows = try summarize(model, inputShape: spec.inputShape)
    return rows.reduce(0) { $0 + $1.flops * (trained($1.name) ? 3 : 1) }
}

/// The process's peak resident memory so far, in MiB (Linux reports ru_maxrss in KiB).
func peakResidentMegabytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return (usage.ru_maxrss + 512) / 1024
}

private func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
