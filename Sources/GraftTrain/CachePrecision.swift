/// The number format the prefix cache stores its values in: fp32 as the frozen part computed
/// them, or bf16 (rounded to nearest even: half the size, about three significant digits).
public enum CachePrecision: String, Codable, Sendable, CaseIterable {
    case float32 = "fp32"
    case bfloat16 = "bf16"

    /// Bytes per stored value.
    public var bytesPerValue: Int { self == .float32 ? 4 : 2 }

    /// The safetensors dtype of the stored values.
    var safetensorsName: String { self == .float32 ? "F32" : "BF16" }
}

/// `x` rounded to the nearest bfloat16 (ties to even), as its 16 bits; NaN stays NaN.
func bfloat16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: rounded >> 16)
}

/// The float a bfloat16's 16 bits stand for.
func float(bfloat16 bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
