import ArgumentParser
import Foundation
import GraftCore
import GraftHub
import GraftModels
import GraftTrain

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a model's speed (--model), the data pipeline (--data) or the machine's peak (--peak).",
        discussion: """
        With --model: times one workload of shared/bench/torch_bench.py on a fresh zoo model with a \
        10-class head and a random batch; the model's weights are random unless --weights loads a \
        weight set (imagenet, …) or a file into it first (the timing does not depend on them). infer: the whole model, eval and inference mode; features: \
        the trunk without its head; train-head: the new head trains, the trunk is frozen in eval \
        mode; train-last: the last stage (torch_bench.py's choice: layer4 for ResNets, VGG's last \
        three convolutions, …) and the head train; train-full: everything trains. A training step is \
        forward, cross-entropy, backward and an SGD step (momentum 0.9). Two warm-up steps, then steps \
        for at least --seconds; the figure is the median step. Prints images/s, ms per step, GFLOP/s \
        and peak resident memory (ru_maxrss). GFLOP/s counts the forward FLOPs of every layer (a \
        multiply-add is two, as `graft inspect`) and three times the forward FLOPs of each trained \
        layer (forward, gradient of the input, gradient of the weights); the optimizer update is not \
        counted. With --json prints torch_bench.py's line with "framework": "graft" and "gflops". \
        With --compare FILE (torch_bench.py's output, any mix of --precision and --compile runs) \
        prints Graft's images/s beside PyTorch's at the same precision only (fp32 with fp32, bf16 \
        with bf16) for the same model, workload and batch: its best over every configuration \
        (eager or compiled, NCHW or channels_last; which one is named) and its best eager figure, \
        with both ratios.

        With --data: reads every JPEG or PNG under the folder into memory, then decodes them and runs \
        torchvision's standard training augmentation (random resized crop 224, horizontal flip, colour \
        jitter 0.4/0.4/0.4, normalise) in a loop for --seconds (default 10) with one worker thread. \
        With --json prints the same line as shared/bench/torch_data_bench.py: {"framework": "graft", \
        "workload": "decode-augment", "img_s": …, "images": …, "threads": 1}.

        With --peak: the machine's float32 peak as oneDNN's sgemm reaches it (two 2048 × 2048 \
        matrices, best of 10 products after a warm-up), the yardstick for the GFLOP/s above, and \
        its bfloat16 peak as oneDNN's bf16 matmul reaches it (the same product on bf16 operands \
        with a float32 result; skipped on a CPU without AVX512-BF16), the yardstick under \
        --precision bf16. With --json one line each, workloads "sgemm-peak" and "bf16-gemm-peak".

        Examples:
          graft bench --model resnet18 --workload train-last --batch 32
          graft bench --model resnet50 --json --compare torch.jsonl
          graft bench --data photos --seconds 5
          graft bench --peak
        """)

    @Option(help: "Zoo model to time (see `graft inspect`).")
    var model: String?

    @Option(help: ArgumentHelp("Weights to load into the timed model: imagenet or a weight set's name, a weight file, or none (default: none, random weights).", valueName: "SET|FILE|none"))
    var weights = WeightsChoice.noneArgument

    @OptionGroup var store: WeightStoreFlags

    @Option(help: "infer, features, train-head, train-last or train-full.")
    var workload: BenchWorkload = .infer

    @Option(help: "Images per step.")
    var batch: Int = 32

    @Option(help: "torch_bench.py's JSON lines to compare with (--model only).")
    var compare: String?

    @Option(help: "Folder of JPEG or PNG files (searched recursively) to time the data pipeline on.")
    var data: String?

    @Flag(help: "Measure the float32 and bfloat16 peak GFLOP/s with oneDNN's gemm.")
    var peak = false

    @Option(help: "Minimum timed time (default 6 with --model, 10 with --data).")
    var seconds: Double?

    @OptionGroup var compute: PrecisionOption

    @Flag(help: "Print JSON lines.")
    var json = false

    @OptionGroup var onnx: ONNXFlags

    func validate() throws {
        if let model { try onnx.register(model) }
        guard [model != nil, data != nil, peak].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of --model, --data and --peak")
        }
        if let seconds, seconds <= 0 { throw ValidationError("--seconds must be positive, not \(seconds)") }
        if let model {
            let spec: ModelSpec
            do { spec = try ModelZoo.spec(model) } catch { throw ValidationError("--model: \(error)") }
            guard batch > 0 else { throw ValidationError("--batch must be positive, not \(batch)") }
            _ = try parseWeights(weightsArgument(for: spec), for: spec)
        } else if compare != nil || weights != WeightsChoice.noneArgument {
            throw ValidationError("--compare and --weights go with --model")
        }
    }

    func run() throws {
        try reportingFailure("bench") {
            if peak {
                try printPeaks()
            } else if let data {
                let result = try runDataBench(directory: data, seconds: seconds ?? 10)
                print(json ? result.json : result.text)
            } else if let model {
                let figures = try compare.map { try TorchBenchFigures(path: $0) }
                let spec = try ModelZoo.spec(model)
                let loaded = try store.choose(weightsArgument(for: spec), for: spec)
                let result = try runModelBench(model: model, workload: workload, batch: batch, seconds: seconds ?? 6,
                                                precision: compute.precision, weights: loaded.path)
                print(json ? result.json : result.text)
                if let comparison = figures?.compare(result) { print(json ? comparison.json : comparison.text) }
            }
        }
    }

    /// `--weights` for `spec`: an imported model's own weights unless a file is given.
    private func weightsArgument(for spec: ModelSpec) -> String? {
        spec.includedWeights != nil && weights == WeightsChoice.noneArgument ? nil : weights
    }

    /// Prints the float32 peak and, on a CPU that multiplies bfloat16, the bfloat16 peak.
    private func printPeaks() throws {
        func show(_ workload: String, _ gemm: String, _ gflops: Double) {
            print(json ? String(format: "{\"framework\": \"graft\", \"workload\": \"%@\", \"size\": 2048, \"gflops\": %.1f}",
                                workload, gflops)
                       : String(format: "oneDNN %@ 2048 × 2048 × 2048: %.1f GFLOP/s (best of 10)", gemm, gflops))
        }
        show("sgemm-peak", "sgemm", try sgemmPeakGFLOPs())
        guard Engine.shared.supportsBFloat16 else {
            let note = "bf16 peak skipped: this CPU has no AVX512-BF16 (oneDNN would only emulate bf16)"
            if json { FileHandle.standardError.write(Data((note + "\n").utf8)) } else { print(note) }
            return
        }
        show("bf16-gemm-peak", "bf16 matmul (bf16 operands, f32 result)", try bf16GemmPeakGFLOPs())
    }
}

extension BenchWorkload: ExpressibleByArgument {}
