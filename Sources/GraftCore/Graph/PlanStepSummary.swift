import CDNNL

/// One step of an `ExecutionPlan` as `graft inspect --graph` prints it.
public struct PlanStepSummary: Sendable {
    /// The op's name (`conv2d_batch_norm`, `reorder`, `input`, or an op run eagerly, marked `eager:`).
    public var op: String
    /// The op's attributes, fused post-ops included.
    public var attributes: [String]
    /// The planned values it reads.
    public var inputs: [Int]
    /// The parameters and buffers it reads, by their `stateDict()` names.
    public var parameters: [String]
    /// The planned value it writes, and its shape.
    public var output: Int
    public var shape: [Int]
    /// `fp32`, `bf16`, or `u8` / `s8` for a quantised value.
    public var precision: String
    /// The real value of one unit of a quantised output (1 for float).
    public var step: Float
    /// oneDNN's format tag of the output (`nChw16c`, `nchw`, `nc`, …).
    public var layout: String
    /// The buffer the output lives in, and the output's bytes.
    public var buffer: Int
    public var bytes: Int
    /// The floating-point operations of the node it runs (0 for copies and reorders).
    public var flops: Int
    /// The module whose forward ran the node ("" for the model itself and the plan's own steps).
    public var scope: String
}

/// The short name of a oneDNN element type (`fp32`, `bf16`, `s8`, `u8`).
func typeName(_ type: dnnl_data_type_t) -> String {
    switch type {
    case dnnl_bf16: return "bf16"
    case dnnl_s8: return "s8"
    case dnnl_u8: return "u8"
    default: return "fp32"
    }
}

/// The name of oneDNN's format tag that describes `desc` (`nChw16c`, `nchw`, `nc`, …), or
/// `blocked` when none of the common ones does.
func formatTagName(_ desc: dnnl_memory_desc_t) -> String {
    let rank = Int(desc.ndims)
    let dims = DNNL.array(desc.dims, count: rank)
    let candidates: [(String, dnnl_format_tag_t)] = rank == 4
        ? [("nchw", dnnl_nchw), ("nhwc", dnnl_nhwc), ("nChw16c", dnnl_nChw16c), ("nChw8c", dnnl_nChw8c), ("nChw4c", dnnl_nChw4c)]
        : rank == 2 ? [("nc", dnnl_nc), ("cn", dnnl_cn)] : rank == 1 ? [("a", dnnl_a)] : []
    for (name, tag) in candidates {
        var md = dnnl_memory_desc_t()
        guard dnnl_memory_desc_init_by_tag(&md, Int32(rank), DNNL.dims(dims), desc.data_type, tag) == dnnl_success else { continue }
        if DNNL.equal(md, desc) { return name }
    }
    return "blocked"
}
