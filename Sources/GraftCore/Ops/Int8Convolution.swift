import Foundation
import CDNNL

/// The operands of an int8 convolution: how its input, output and residual addend are stored.
struct Int8ConvolutionTypes: Equatable {
    /// `dnnl_u8` or `dnnl_s8`.
    var source: dnnl_data_type_t
    /// `dnnl_u8`, `dnnl_s8`, `dnnl_bf16` or `dnnl_f32` (the last two dequantised by the output
    /// scales themselves).
    var destination: dnnl_data_type_t
    /// The addend of a fused residual sum (stored like the output, or the other 8-bit type)
    /// and the factor it is added with; nil without a sum.
    var sum: (type: dnnl_data_type_t, scale: Float)?

    static func == (a: Self, b: Self) -> Bool {
        a.source == b.source && a.destination == b.destination && a.sum?.type == b.sum?.type && a.sum?.scale == b.sum?.scale
    }
}

/// oneDNN's int8 convolution forward (inference): input `types.source`, weights s8 in the
/// layout it picks, bias f32 in accumulator units, output `types.destination`. The
/// accumulator plus bias is multiplied by `outputScales` (one per output channel), then the
/// sum post-op adds the addend times its scale, then `activation` runs, in output units:
/// ReLU6's bound is divided by `outputStep`. Only ReLU and ReLU6 are allowed before an 8-bit
/// output (the others are not linear in the step).
func int8ConvolutionPrimitive(inputShape: [Int], weightShape: [Int], _ config: Conv2dConfig, hasBias: Bool, types: Int8ConvolutionTypes,
                              outputScales: [Float], activation: FusedActivation?, outputStep: Float) throws -> Primitive {
    let op = "conv2d.int8", g = config.groups, p = config.padding
    let (o, ig, kh, kw) = (weightShape[0], weightShape[1], weightShape[2], weightShape[3])
    let oh = windowOutputSize(inputShape[2], kernel: kh, stride: config.stride.0, padBefore: p.top, padAfter: p.bottom, dilation: config.dilation.0)
    let ow = windowOutputSize(inputShape[3], kernel: kw, stride: config.stride.1, padBefore: p.left, padAfter: p.right, dilation: config.dilation.1)
    let outShape = [inputShape[0], o, oh, ow]
    let wShape = g == 1 ? weightShape : [g, o / g, ig, kh, kw]
    var key = PrimitiveKey(op)
    key.add(inputShape); key.add(weightShape); key.add(config.keyValues); key.add(hasBias ? 1 : 0)
    key.add([Int(types.source.rawValue), Int(types.destination.rawValue), Int(types.sum?.type.rawValue ?? 0)])
    key.add(types.sum?.scale ?? 0); key.add(outputStep)
    key.add(activation.map { Int($0.eltwise.algorithm.rawValue) } ?? 0)
    key.add(outputScales.map { Int($0.bitPattern) })
    let strides = DNNL.dims([config.stride.0, config.stride.1]), dilates = DNNL.dims([config.dilation.0 - 1, config.dilation.1 - 1])
    let padL = DNNL.dims([p.top, p.left]), padR = DNNL.dims([p.bottom, p.right])
    var srcAny = DNNL.anyDesc(inputShape, types.source), wAny = DNNL.anyDesc(wShape, dnnl_s8)
    var dstAny = DNNL.anyDesc(outShape, types.destination), biasDesc = DNNL.plainDesc([o])
    return try Engine.shared.primitive(key) {
        var d = dnnl_convolution_desc_t()
        try withOptionalPointer(to: &biasDesc, if: hasBias) { bd in
            try DNNL.check(dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_direct,
                                                                     &srcAny, &wAny, bd, &dstAny, strides, dilates, padL, padR), op)
        }
        var attr: OpaquePointer?, postOps: OpaquePointer?
        try DNNL.check(dnnl_primitive_attr_create(&attr), op)
        defer { dnnl_primitive_attr_destroy(attr) }
        try DNNL.check(dnnl_post_ops_create(&postOps), op)
        defer { dnnl_post_ops_destroy(postOps) }
        try DNNL.check(dnnl_primitive_attr_set_output_scales(attr, Int64(outputScales.count), outputScales.count == 1 ? 0 : 1 << 1, outputScales), op)
        if let sum = types.sum { try DNNL.check(dnnl_post_ops_append_sum_v2(postOps, sum.scale, sum.type), op) }
        if let (alg, alpha, beta) = activation?.eltwise {
            try DNNL.check(dnnl_post_ops_append_eltwise(postOps, 1, alg, alpha, activation == .relu6 ? beta / outputStep : beta), op)
        }
        try DNNL.check(dnnl_primitive_attr_set_post_ops(attr, postOps), op)
        return try Engine.shared.makeDesc(op, &d, attr: attr)
    }
}

/// The step of each output channel's weights quantised to s8: its largest magnitude over 127
/// (1 for a channel of zeros). `weight` is row-major OIHW.
func int8WeightSteps(_ weight: [Float], outputChannels: Int) -> [Float] {
    let perChannel = weight.count / max(outputChannels, 1)
    return (0..<outputChannels).map { c in
        let largest = weight[c * perChannel..<(c + 1) * perChannel].reduce(Float(0)) { max($0, abs($1)) }
        return largest > 0 ? largest / 127 : 1
    }
}

/// The signal-to-noise ratio (dB) of `weight` (row-major OIHW) quantised with `int8WeightSteps`:
/// its sum of squares over that of the rounding errors (infinite where there are none).
func int8WeightSignalToNoise(_ weight: [Float], outputChannels: Int) -> Double {
    let steps = int8WeightSteps(weight, outputChannels: outputChannels), perChannel = weight.count / max(outputChannels, 1)
    var (signal, noise) = (0.0, 0.0)
    for (i, w) in weight.enumerated() {
        let step = steps[min(i / max(perChannel, 1), steps.count - 1)]
        let error = Double(w) - Double((w / step).rounded(.toNearestOrEven) * step)
        signal += Double(w) * Double(w); noise += error * error
    }
    return noise > 0 ? 10 * log10(signal / noise) : .infinity
}

/// `weight` (row-major OIHW, float32) quantised to s8 with `steps` per output channel, in the
/// convolution weight layout `desc` (which may carry oneDNN's compensation for s8 inputs: the
/// reorder computes it).
func int8ConvolutionWeight(_ weight: Tensor, groups: Int, steps: [Float], in desc: dnnl_memory_desc_t) throws -> Tensor {
    let s = weight.shape
    let wShape = groups == 1 ? s : [groups, s[0] / groups, s[1], s[2], s[3]]
    let plain = weight.converted(to: DNNL.plainDesc(s))
    let view = Tensor(shape: wShape, desc: DNNL.plainDesc(wShape), storage: plain.storage)
    let out = Tensor(shape: wShape, desc: desc)
    try copyReordering(view, into: out, scales: steps.map { 1 / $0 }, mask: groups == 1 ? 1 : 3, op: "conv2d.int8.weight")
    return out
}
