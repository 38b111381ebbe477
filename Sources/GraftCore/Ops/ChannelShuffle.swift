import CDNNL

/// ShuffleNet's channel shuffle, as `torchvision.models.shufflenetv2.channel_shuffle`: `x`
/// `[N, g·k, …]` viewed as `[N, g, k, …]`, its dimensions 1 and 2 swapped, and flattened back
/// to `[N, k·g, …]`, so output channel `j·g + i` is input channel `i·k + j`. The result is
/// row-major; the gradient is shuffled back (a shuffle with `k` groups undoes one with `g`).
public func channelShuffle(_ x: Tensor, groups: Int) throws -> Tensor {
    try GraphRecorder.recording(.channelShuffle(groups: groups), [x]) { try unrecordedChannelShuffle(x, groups: groups) }
}

/// `channelShuffle` as the op computes it, with no graph recording.
private func unrecordedChannelShuffle(_ x: Tensor, groups: Int) throws -> Tensor {
    let op = "channel_shuffle"
    try requireFloat(x, op)
    guard x.shape.count >= 2 else {
        throw GraftError.invalidArgument(op: op, detail: "needs a tensor [N, C, …], got \(shapeString(x.shape))")
    }
    let c = x.shape[1]
    guard groups > 0, c % groups == 0 else {
        throw GraftError.invalidArgument(op: op, detail: "\(groups) groups do not divide \(c) channels of \(shapeString(x.shape))")
    }
    let out = try shuffledChannels(x, groups: groups, op: "channel_shuffle.forward")
    let inverse = c / groups
    recordGrad(out, op: op, inputs: [x]) { g in [try shuffledChannels(g, groups: inverse, op: "channel_shuffle.backward")] }
    return out
}

/// `channelShuffle` without autodiff: one oneDNN reorder from the row-major input read as
/// `[N, k, g, inner]` with the strides of `[N, g, k, inner]` swapped, into a row-major result.
private func shuffledChannels(_ x: Tensor, groups g: Int, op: String) throws -> Tensor {
    let (n, c) = (x.shape[0], x.shape[1])
    let k = c / g
    let inner = x.shape.dropFirst(2).reduce(1, *)
    let plain = x.converted(to: DNNL.plainDesc(x.shape))
    let dims = [n, k, g, inner]
    var src = dnnl_memory_desc_t()
    try DNNL.check(dnnl_memory_desc_init_by_strides(&src, 4, DNNL.dims(dims), dnnl_f32,
                                                    DNNL.dims([c * inner, inner, k * inner, 1])), op)
    let out = Tensor(uninitialized: dims)
    try copyReordering(Tensor(shape: dims, desc: src, storage: plain.storage), into: out, op: op)
    return Tensor(shape: x.shape, desc: DNNL.plainDesc(x.shape), storage: out.storage)
}
