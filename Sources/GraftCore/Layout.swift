import CDNNL

extension Tensor {
    /// This tensor's data in layout `md` (the same tensor when it already is). A reorder is
    /// transparent to autodiff: the gradient passes through in whatever layout it has.
    func reordered(to md: dnnl_memory_desc_t) -> Tensor {
        let out = converted(to: md)
        if out !== self { recordGrad(out, op: "reorder", inputs: [self]) { g in [g] } }
        return out
    }

    /// `reordered(to:)` without autodiff: for ops that read their inputs in another layout.
    func converted(to md: dnnl_memory_desc_t) -> Tensor {
        if dtype == .int64 || DNNL.equal(desc, md) { return self }
        let out = Tensor(shape: shape, desc: md, dtype: dtype)
        try! copyReordering(self, into: out, op: "reorder")
        return out
    }

    /// This tensor in row-major layout.
    public func rowMajor() -> Tensor { dtype == .int64 ? self : reordered(to: DNNL.plainDesc(shape, dtype.dnnl)) }

    /// The same data viewed with another shape of equal element count (row-major data).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try GraphRecorder.recording(.reshape(newShape), [self]) { try unrecordedReshaped(newShape) }
    }

    /// `reshaped(_:)` as the op computes it, with no graph recording.
    private func unrecordedReshaped(_ newShape: [Int]) throws -> Tensor {
        var newShape = newShape
        if let i = newShape.firstIndex(of: -1) {
            let rest = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard rest > 0, count % rest == 0 else {
                throw GraftError.shapeMismatch(op: "reshape", detail: "cannot infer -1", lhs: shape, rhs: newShape)
            }
            newShape[i] = count / rest
        }
        guard newShape.reduce(1, *) == count, newShape.allSatisfy({ $0 > 0 }) else {
            throw GraftError.shapeMismatch(op: "reshape", detail: "element counts differ", lhs: shape, rhs: newShape)
        }
        if newShape == shape { return self }
        let plain = rowMajor()
        let out = Tensor(shape: newShape, desc: DNNL.plainDesc(newShape, dtype.dnnl), dtype: dtype, storage: plain.storage)
        let oldShape = shape
        recordGrad(out, op: "reshape", inputs: [plain]) { g in [try g.reshaped(oldShape)] }
        return out
    }

    /// Flattens every dimension from `startDim` on into one (`[N, C, H, W]` → `[N, C·H·W]`).
    public func flattened(startDim: Int = 1) throws -> Tensor {
        guard startDim >= 0, startDim < shape.count else {
            throw GraftError.invalidArgument(op: "flatten", detail: "start dim \(startDim) outside \(shapeString(shape))")
        }
        return try reshaped(Array(shape[..<startDim]) + [shape[startDim...].reduce(1, *)])
    }
}
