import GraftCore

/// What an imported node computes, with the attributes of the latest opset: where an older
/// opset gave an operand as an attribute (Clip's bounds, Pad's pads, Squeeze's axes, …), the
/// import turned it into a constant input, so that every op reads its operands the same way.
public enum ImportedOp: Codable, Sendable, Equatable {
    /// Conv(x, W, B?): `padding` nil with `autoPad` computes the padding from the input size.
    case conv(strides: [Int], padding: [Int]?, autoPad: AutoPad, dilations: [Int], groups: Int)
    /// BatchNormalization(x, scale, B, mean, var) on running statistics, or on the batch's
    /// while it trains (ONNX's momentum: running = running · momentum + batch · (1 − momentum)).
    case batchNorm(eps: Float, momentum: Float)
    case relu, sigmoid, tanh, hardSwish, erf
    /// Gelu, exact (erf) form.
    case gelu
    case hardSigmoid(alpha: Float, beta: Float)
    case leakyRelu(alpha: Float)
    /// Clip(x, min?, max?).
    case clip
    /// Element-wise with numpy broadcasting.
    case add, sub, mul, div
    case maxPool(Pooling)
    case averagePool(Pooling)
    case globalAveragePool, globalMaxPool
    /// ReduceMean(x, axes?): over every axis when none are given.
    case reduceMean(keepDims: Bool)
    /// Gemm(A, B, C?) = alpha · A' · B' + beta · C.
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    case matMul
    case flatten(axis: Int)
    /// Reshape(x, shape).
    case reshape(allowZero: Bool)
    /// Transpose(x): reverses the axes when `perm` is nil.
    case transpose(perm: [Int]?)
    case concat(axis: Int)
    /// Split(x, split?) into `outputs` parts along `axis` (equal parts without `split`).
    case split(axis: Int, outputs: Int)
    /// Slice(x, starts, ends, axes?, steps?).
    case slice
    /// Squeeze(x, axes?), Unsqueeze(x, axes).
    case squeeze, unsqueeze
    /// Pad(x, pads, constant_value?, axes?).
    case pad(mode: PadMode)
    /// Softmax over `axis`; `coerce2D` (opset < 13) flattens to 2-D at `axis` first.
    case softmax(axis: Int, coerce2D: Bool)
    case logSoftmax(axis: Int, coerce2D: Bool)
    /// Dropout: the exported graph's inference behaviour, the input itself.
    case dropout
    case lrn(size: Int, alpha: Float, beta: Float, bias: Float)
    /// LayerNormalization(x, scale, B?) over axes `axis`..<rank.
    case layerNorm(axis: Int, eps: Float)
    case identity
    /// Cast to an ONNX data type: computes nothing on floats.
    case cast(to: Int)
    // Shape arithmetic, on host tensors only.
    case shape(start: Int, end: Int?)
    case gather(axis: Int)
    case constantOfShape(value: HostTensor)
    case sqrt, neg, reciprocal
    case range

    /// Whether it runs on host tensors when every operand at `tensorPositions` is one.
    var runsOnHost: Bool {
        switch self {
        case .add, .sub, .mul, .div, .reshape, .transpose, .concat, .slice, .squeeze, .unsqueeze, .flatten,
             .identity, .cast, .shape, .gather, .constantOfShape, .sqrt, .neg, .reciprocal, .range:
            return true
        default:
            return false
        }
    }

    /// The largest window side, stride, dilation, padding or output count an op may have.
    static let maximumWindow = 4096

    /// The attribute out of its range ("strides [0, 1] are not 2 values in 1...4096"), nil when
    /// every one is in range: checked for each node read from a file or a checkpoint, before it runs.
    var attributeProblem: String? {
        func check(_ name: String, _ v: [Int], count: Int, from low: Int) -> String? {
            v.count == count && v.allSatisfy((low...Self.maximumWindow).contains) ? nil
                : "\(name) \(v) are not \(count) values in \(low)...\(Self.maximumWindow) (only 2-D windows are supported)"
        }
        switch self {
        case .conv(let strides, let padding, _, let dilations, let groups):
            return check("strides", strides, count: 2, from: 1) ?? check("dilations", dilations, count: 2, from: 1)
                ?? padding.flatMap { check("pads", $0, count: 4, from: 0) } ?? (groups >= 1 ? nil : "group \(groups) is not at least 1")
        case .maxPool(let p), .averagePool(let p):
            return check("kernel_shape", p.kernel, count: 2, from: 1) ?? check("strides", p.strides, count: 2, from: 1)
                ?? p.padding.flatMap { check("pads", $0, count: 4, from: 0) }
        case .split(_, let n): return (1...Self.maximumWindow).contains(n) ? nil : "\(n) outputs are not 1...\(Self.maximumWindow)"
        case .lrn(let size, _, _, _): return (1...Self.maximumWindow).contains(size) ? nil : "size \(size) is not in 1...\(Self.maximumWindow)"
        default: return nil
        }
    }

    /// How many inputs the op reads at least (the optional ones may follow).
    var minimumInputs: Int {
        switch self {
        case .batchNorm: return 5
        case .range: return 3
        case .conv, .add, .sub, .mul, .div, .gemm, .matMul, .reshape, .gather, .layerNorm: return 2
        case .slice: return 3
        default: return 1
        }
    }

    /// The input positions that are host tensors (shapes, axes, bounds), never activations.
    var hostInputs: Set<Int> {
        switch self {
        case .clip, .pad: return [1, 2, 3]
        case .reshape, .split, .squeeze, .unsqueeze, .reduceMean: return [1]
        case .constantOfShape: return [0]
        case .range: return [0, 1, 2]
        case .slice: return [1, 2, 3, 4]
        default: return []
        }
    }
}

/// ONNX's auto_pad.
public enum AutoPad: String, Codable, Sendable {
    case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID"
}

/// A pooling window: kernel, strides, explicit padding (begin H, begin W, end H, end W) or
/// `autoPad`, ceil mode and whether an average counts the padding.
public struct Pooling: Codable, Sendable, Equatable {
    public var kernel: [Int]
    public var strides: [Int]
    public var padding: [Int]?
    public var autoPad: AutoPad
    public var ceilMode: Bool
    public var countIncludePad: Bool
}
