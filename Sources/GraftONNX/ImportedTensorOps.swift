import GraftCore

extension ImportedRun {
    /// The outputs of `op` on activations, each computed by GraftCore's ops.
    func runTensorOp(_ op: ImportedOp, _ inputs: [RuntimeValue?]) throws -> [Tensor] {
        func tensor(_ i: Int) throws -> Tensor {
            guard i < inputs.count, let v = inputs[i] else { throw HostError("input \(i) is missing") }
            guard case .tensor(let t) = v else { throw HostError("input \(i) is a constant where an activation is expected") }
            return t
        }
        func optionalTensor(_ i: Int) throws -> Tensor? { i < inputs.count && inputs[i] != nil ? try tensor(i) : nil }
        func host(_ i: Int) throws -> HostTensor? {
            guard i < inputs.count, let v = inputs[i] else { return nil }
            guard case .host(let h) = v else { throw HostError("input \(i) is an activation where a constant is expected") }
            return h
        }
        func integers(_ i: Int) throws -> [Int64]? { try host(i).map(HostEvaluation.integers) }
        func scalar(_ i: Int) throws -> Float? {
            guard let h = try host(i) else { return nil }
            guard h.count == 1, let v = HostEvaluation.floats(h).first else { throw HostError("input \(i) must hold one value") }
            return v
        }
        let x = try tensor(0)
        switch op {
        case .conv(let strides, let padding, let autoPad, let dilations, let groups):
            let w = try tensor(1)
            guard x.shape.count == 4, w.shape.count == 4 else {
                throw HostError("only 2-D convolutions are supported; input \(x.shape), weight \(w.shape)")
            }
            let pads = try windowPadding(explicit: padding, autoPad: autoPad, input: Array(x.shape[2...]),
                                         kernel: Array(w.shape[2...]), strides: strides, dilations: dilations)
            let config = Conv2dConfig(stride: (strides[0], strides[1]),
                                      padding: Padding2d(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3]),
                                      dilation: (dilations[0], dilations[1]), groups: groups)
            return [try conv2d(x, weight: w, bias: optionalTensor(2), config)]
        case .batchNorm(let eps, let momentum):
            let (scale, bias) = (try tensor(1), try tensor(2))
            let trains = training && (scale.requiresGrad || bias.requiresGrad)
            return [try batchNorm(x, weight: scale, bias: bias, runningMean: tensor(3), runningVar: tensor(4), training: trains,
                                  momentum: 1 - momentum, eps: eps)]
        case .relu: return [try relu(x)]
        case .sigmoid: return [try sigmoid(x)]
        case .tanh: return [try GraftCore.tanh(x)]
        case .hardSwish: return [try hardswish(x)]
        case .erf: return [try erf(x)]
        case .gelu: return [try gelu(x)]
        case .hardSigmoid(let alpha, let beta): return [try hardsigmoid(x, alpha: alpha, beta: beta)]
        case .leakyRelu(let alpha): return [try leakyReLU(x, negativeSlope: alpha)]
        case .clip:
            let low = try scalar(1) ?? -.infinity, high = try scalar(2) ?? .infinity
            return [low == 0 && high == 6 ? try relu6(x) : try clamp(x, min: low, max: high)]
        case .add, .sub, .mul, .div:
            let (a, b) = try broadcastOperands(x, tensor(1))
            switch op {
            case .add: return [try add(a, b)]
            case .sub: return [try sub(a, b)]
            case .mul: return [try mul(a, b)]
            default: return [try div(a, b)]
            }
        case .maxPool(let p), .averagePool(let p):
            return [try pooled(x, p, max: { if case .maxPool = op { return true }; return false }())]
        case .globalAveragePool:
            try requireImage(x)
            return [try adaptiveAvgPool2d(x, outputSize: (1, 1))]
        case .globalMaxPool:
            try requireImage(x)
            return [try maxPool2d(x, Pool2dConfig(kernel: (x.shape[2], x.shape[3])))]
        case .reduceMean(let keepDims):
            let axes = try (integers(1) ?? x.shape.indices.map(Int64.init)).map { try HostEvaluation.normalizedAxis(Int(clamping: $0), rank: x.shape.count) }
            if x.shape.count == 4, Set(axes) == [2, 3] {
                let pooled = try adaptiveAvgPool2d(x, outputSize: (1, 1))
                return [keepDims ? pooled : try pooled.reshaped(Array(x.shape[..<2]))]
            }
            return [try mean(x, axes: axes, keepDims: keepDims)]
        case .gemm(let alpha, let beta, let transA, let transB):
            let a = transA ? try transpose(x, permutation: [1, 0]) : x
            let b = try tensor(1)
            let weight = transB ? b : try transpose(b, permutation: [1, 0])
            var y = try linear(a, weight: weight)
            if alpha != 1 { y = try scale(y, by: alpha) }
            if let c = try optionalTensor(2) {
                let (l, r) = try broadcastOperands(y, beta == 1 ? c : scale(c, by: beta))
                y = try add(l, r)
            }
            return [y]
        case .matMul:
            let b = try tensor(1)
            guard b.shape.count == 2, x.shape.count >= 2, x.shape.last == b.shape[0] else {
                throw HostError("MatMul of \(x.shape) by \(b.shape): only an N-D input by a 2-D matrix is supported")
            }
            let rows = try HostEvaluation.product(x.shape.dropLast()[...])
            let y = try linear(x.reshaped([rows, b.shape[0]]), weight: transpose(b, permutation: [1, 0]))
            return [try y.reshaped(x.shape.dropLast() + [b.shape[1]])]
        case .flatten(let axis):
            let a = try HostEvaluation.normalizedAxis(axis, rank: x.shape.count, inclusiveEnd: true)
            return [try x.reshaped([try HostEvaluation.product(x.shape[..<a]), try HostEvaluation.product(x.shape[a...])])]
        case .reshape(let allowZero):
            guard let shape = try integers(1) else { throw HostError("Reshape needs a shape") }
            return [try x.reshaped(HostEvaluation.resolvedShape(shape, of: x.shape, allowZero: allowZero))]
        case .squeeze:
            let axes = try integers(1).map { try $0.map { try HostEvaluation.normalizedAxis(Int(clamping: $0), rank: x.shape.count) } }
            return [try x.reshaped(HostEvaluation.squeezedShape(x.shape, axes: axes))]
        case .unsqueeze:
            guard let axes = try integers(1) else { throw HostError("Unsqueeze needs axes") }
            return [try x.reshaped(HostEvaluation.unsqueezedShape(x.shape, axes: axes))]
        case .transpose(let perm): return [try transpose(x, permutation: perm ?? Array(x.shape.indices.reversed()))]
        case .concat(let axis):
            let parts = try inputs.indices.map { try tensor($0) }
            return [try concat(parts, axis: HostEvaluation.normalizedAxis(axis, rank: x.shape.count))]
        case .split(let axis, let count):
            let a = try HostEvaluation.normalizedAxis(axis, rank: x.shape.count)
            var start = 0
            return try HostEvaluation.splitSizes(x.shape[a], parts: count, given: integers(1)).map { size in
                defer { start += size }
                return try narrow(x, axis: a, start: start, length: size)
            }
        case .slice:
            guard let starts = try integers(1), let ends = try integers(2) else { throw HostError("Slice needs starts and ends") }
            let window = try SliceWindow(shape: x.shape, starts: starts, ends: ends, axes: integers(3), steps: integers(4))
            guard window.steps.allSatisfy({ $0 == 1 }) else { throw HostError("Slice with a step other than 1 is not supported on activations") }
            var y = x
            for axis in x.shape.indices where window.shape[axis] != x.shape[axis] {
                guard window.shape[axis] > 0 else { throw HostError("Slice leaves axis \(axis) empty") }
                y = try narrow(y, axis: axis, start: window.starts[axis], length: window.shape[axis])
            }
            return [y]
        case .pad(let mode):
            guard let pads = try integers(1) else { throw HostError("Pad needs pads") }
            let rank = x.shape.count
            let axes = try (integers(3) ?? (0..<Int64(rank)).map { $0 }).map { try HostEvaluation.normalizedAxis(Int(clamping: $0), rank: rank) }
            guard pads.count == 2 * axes.count else { throw HostError("Pad has \(pads.count) pads for \(axes.count) axes") }
            var before = Array(repeating: 0, count: rank), after = before
            for (i, a) in axes.enumerated() {
                before[a] = Int(clamping: pads[i])
                after[a] = Int(clamping: pads[i + axes.count])
            }
            return [try pad(x, before: before, after: after, mode: mode, value: scalar(2) ?? 0)]
        case .softmax(let axis, let coerce2D), .logSoftmax(let axis, let coerce2D):
            let log = { if case .logSoftmax = op { return true }; return false }()
            let a = try HostEvaluation.normalizedAxis(axis, rank: x.shape.count)
            func apply(_ t: Tensor, _ axis: Int) throws -> Tensor { log ? try logSoftmax(t, axis: axis) : try softmax(t, axis: axis) }
            if coerce2D && a != x.shape.count - 1 {
                let flat = try x.reshaped([try HostEvaluation.product(x.shape[..<a]), try HostEvaluation.product(x.shape[a...])])
                return [try apply(flat, 1).reshaped(x.shape)]
            }
            return [try apply(x, a)]
        case .dropout, .identity: return [x]
        case .cast(let to):
            guard [1, 10, 11, 16].contains(to) else { throw HostError("casting an activation to data type \(to) is not supported") }
            return [x]
        case .lrn(let size, let alpha, let beta, let bias):
            return [try localResponseNorm(x, size: size, alpha: alpha, beta: beta, k: bias)]
        case .layerNorm(let axis, let eps):
            return [try layerNorm(x, weight: optionalTensor(1), bias: optionalTensor(2), axis: axis, eps: eps)]
        case .shape, .gather, .constantOfShape, .sqrt, .neg, .reciprocal, .range:
            throw HostError("this operator is supported on constants and shapes only, not on activations")
        }
    }

    /// `a` and `b` brought to the same rank (numpy broadcasting aligns the trailing axes).
    private func broadcastOperands(_ a: Tensor, _ b: Tensor) throws -> (Tensor, Tensor) {
        let rank = max(a.shape.count, b.shape.count)
        func lifted(_ t: Tensor) throws -> Tensor {
            t.shape.count == rank ? t : try t.reshaped(Array(repeating: 1, count: rank - t.shape.count) + t.shape)
        }
        return (try lifted(a), try lifted(b))
    }

    private func requireImage(_ x: Tensor) throws {
        guard x.shape.count == 4 else { throw HostError("expects an [N, C, H, W] input, got \(x.shape)") }
    }

    /// Max or average pooling; asymmetric padding runs as an explicit pad first.
    private func pooled(_ x: Tensor, _ p: Pooling, max isMax: Bool) throws -> Tensor {
        try requireImage(x)
        let pads = try windowPadding(explicit: p.padding, autoPad: p.autoPad, input: Array(x.shape[2...]), kernel: p.kernel,
                                     strides: p.strides, dilations: [1, 1])
        var input = x, symmetric = (pads[0], pads[1])
        if pads[0] != pads[2] || pads[1] != pads[3] || pads[0] * 2 > p.kernel[0] || pads[1] * 2 > p.kernel[1] {
            guard isMax || p.countIncludePad else {
                throw HostError("average pooling that excludes padding needs the same padding on both sides, got \(pads)")
            }
            input = try pad(x, before: [0, 0, pads[0], pads[1]], after: [0, 0, pads[2], pads[3]], mode: .constant,
                            value: isMax ? -.infinity : 0)
            symmetric = (0, 0)
        }
        let config = Pool2dConfig(kernel: (p.kernel[0], p.kernel[1]), stride: (p.strides[0], p.strides[1]), padding: symmetric,
                                  ceilMode: p.ceilMode, countIncludePad: p.countIncludePad)
        return isMax ? try maxPool2d(input, config) : try avgPool2d(input, config)
    }
}

/// The padding of a 2-D window (top, left, bottom, right): the explicit one, or what ONNX's
/// auto_pad gives for `input` (SAME_UPPER puts the odd extra row or column at the end).
func windowPadding(explicit: [Int]?, autoPad: AutoPad, input: [Int], kernel: [Int], strides: [Int], dilations: [Int]) throws -> [Int] {
    if let explicit { return explicit }
    switch autoPad {
    case .notSet, .valid: return [0, 0, 0, 0]
    case .sameUpper, .sameLower:
        var before = [0, 0], after = [0, 0]
        for d in 0..<2 {
            let out = (input[d] + strides[d] - 1) / strides[d]
            let total = max(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - input[d])
            let small = total / 2, large = total - small
            (before[d], after[d]) = autoPad == .sameUpper ? (small, large) : (large, small)
        }
        return [before[0], before[1], after[0], after[1]]
    }
}
