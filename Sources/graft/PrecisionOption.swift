import ArgumentParser
import GraftCore

/// `--precision fp32|bf16`, shared by the commands that run models.
struct PrecisionOption: ParsableArguments {
    @Option(help: "fp32, or bf16: convolutions and fully connected layers multiply in bfloat16 (CPUs with AVX512-BF16; about 2× faster).")
    var precision: ComputePrecision = .float32
}

extension ComputePrecision: ExpressibleByArgument {}
