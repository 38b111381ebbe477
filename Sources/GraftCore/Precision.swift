import CDNNL

/// The number format convolutions and fully connected layers multiply in.
///
/// `bfloat16` rounds each such layer's input and weights (and, in training, its output
/// gradient) to bfloat16 — float32's exponent with 8 bits of mantissa — and accumulates the
/// products in float32; outputs, gradients, parameters and every other op stay float32: each
/// layer's result keeps about three significant digits fewer. Grouped and depthwise
/// convolutions stay float32 (they are memory-bound). The default is `float32`.
///
/// `int8` is post-training static quantisation, for what does not train: a compiled
/// `ExecutionPlan` given calibrated `ActivationRanges` runs its convolutions on 8-bit integers
/// (weights per output channel, activations per tensor) where quantisation keeps enough of
/// their signal (see `assignInt8`); everything else (the first convolution, the head) runs as
/// the bfloat16 plan runs it (float32 on a CPU without AVX512-BF16), ops run eagerly in float32.
public enum ComputePrecision: String, Codable, Sendable, CaseIterable {
    case float32 = "fp32"
    case bfloat16 = "bf16"
    case int8 = "int8"

    /// The oneDNN type the multiplied operands of an eager op take (int8 runs only in plans).
    var operandType: dnnl_data_type_t { self == .bfloat16 ? dnnl_bf16 : dnnl_f32 }
}

extension Engine {
    /// Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or newer), as oneDNN sees it.
    public var supportsBFloat16: Bool {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        return isa & dnnl_cpu_isa_avx512_core_bf16.rawValue == dnnl_cpu_isa_avx512_core_bf16.rawValue
    }

    /// Whether this CPU has 8-bit integer dot products (AVX512-VNNI or AVX-VNNI), as oneDNN sees
    /// it: `ONEDNN_MAX_CPU_ISA` or `DNNL_MAX_CPU_ISA` below them turn it off.
    public var supportsInt8: Bool {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        return [dnnl_cpu_isa_avx512_core_vnni, dnnl_cpu_isa_avx2_vnni].contains { isa & $0.rawValue == $0.rawValue }
    }

    /// Sets the precision of every convolution and fully connected layer run from now on.
    /// Throws `GraftError.invalidArgument` for bfloat16 on a CPU without AVX512-BF16, where
    /// oneDNN would emulate it more slowly than float32 runs, and for int8 on one without VNNI.
    public func setPrecision(_ precision: ComputePrecision) throws {
        try checkSupported(precision)
        self.precision = precision
    }

    /// Throws `GraftError.invalidArgument` when this CPU cannot run `precision` natively.
    public func checkSupported(_ precision: ComputePrecision) throws {
        if precision == .bfloat16 && !supportsBFloat16 {
            throw GraftError.invalidArgument(op: "precision", detail: "bf16 needs a CPU with AVX512-BF16; this one has not got it (use fp32)")
        }
        if precision == .int8 && !supportsInt8 {
            throw GraftError.invalidArgument(op: "precision", detail: "--precision int8 needs a CPU with AVX512-VNNI or AVX-VNNI as oneDNN "
                                             + "sees it; this one has not got it (use --precision fp32 or bf16)")
        }
    }
}
