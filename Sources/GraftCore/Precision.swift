import CDNNL

/// The number format convolutions and fully connected layers multiply in.
///
/// `bfloat16` rounds each such layer's input and weights (and, in training, its output
/// gradient) to bfloat16 — float32's exponent with 8 bits of mantissa — and accumulates the
/// products in float32; outputs, gradients, parameters and every other op stay float32: each
/// layer's result keeps about three significant digits fewer. Grouped and depthwise
/// convolutions stay float32 (they are memory-bound). The default is `float32`.
public enum ComputePrecision: String, Codable, Sendable, CaseIterable {
    case float32 = "fp32"
    case bfloat16 = "bf16"

    /// The oneDNN type the multiplied operands take.
    var operandType: dnnl_data_type_t { self == .bfloat16 ? dnnl_bf16 : dnnl_f32 }
}

extension Engine {
    /// Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or newer), as oneDNN sees it.
    public var supportsBFloat16: Bool {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        return isa & dnnl_cpu_isa_avx512_core_bf16.rawValue == dnnl_cpu_isa_avx512_core_bf16.rawValue
    }

    /// Sets the precision of every convolution and fully connected layer run from now on.
    /// Throws `GraftError.invalidArgument` for bfloat16 on a CPU without AVX512-BF16, where
    /// oneDNN would emulate it more slowly than float32 runs.
    public func setPrecision(_ precision: ComputePrecision) throws {
        if precision == .bfloat16 && !supportsBFloat16 {
            throw GraftError.invalidArgument(op: "precision", detail: "bf16 needs a CPU with AVX512-BF16; this one has not got it (use fp32)")
        }
        self.precision = precision
    }
}
