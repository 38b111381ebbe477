/// The shape arithmetic and constant expressions of an ONNX graph, computed on host tensors:
/// what the import folds and what a run computes from the input's shape.
enum HostEvaluation {
    /// The most elements a host tensor may have (shapes and constants are small; a folded
    /// weight is not).
    static let maximumElements = 1 << 28

    /// The outputs of `op` on `inputs` (nil for an absent optional input).
    static func evaluate(_ op: ImportedOp, _ inputs: [HostTensor?]) throws -> [HostTensor] {
        func input(_ i: Int) throws -> HostTensor {
            guard i < inputs.count, let t = inputs[i] else { throw HostError("input \(i) is missing") }
            return t
        }
        switch op {
        case .add: return [try elementwise(input(0), input(1), +, &+)]
        case .sub: return [try elementwise(input(0), input(1), -, &-)]
        case .mul: return [try elementwise(input(0), input(1), *, &*)]
        case .div:
            return [try elementwise(input(0), input(1), /, { a, b in b == 0 ? 0 : (a == .min && b == -1 ? .min : a / b) })]
        case .sqrt: return [try unary(input(0)) { $0.squareRoot() }]
        case .neg: return [try unary(input(0)) { -$0 }]
        case .reciprocal: return [try unary(input(0)) { 1 / $0 }]
        case .identity, .dropout: return [try input(0)]
        case .cast(let to): return [try cast(input(0), to: to)]
        case .shape(let start, let end): return [shapeOf(try input(0).shape, start: start, end: end)]
        case .reshape(let allowZero):
            let x = try input(0)
            return [try reshaped(x, to: resolvedShape(try integers(input(1)), of: x.shape, allowZero: allowZero))]
        case .flatten(let axis):
            let x = try input(0)
            let a = try normalizedAxis(axis, rank: x.shape.count, inclusiveEnd: true)
            return [try reshaped(x, to: [try product(x.shape[..<a]), try product(x.shape[a...])])]
        case .squeeze:
            let x = try input(0)
            let axes = try inputs.count > 1 && inputs[1] != nil ? integers(input(1)).map { try normalizedAxis(Int(clamping: $0), rank: x.shape.count) } : nil
            return [try reshaped(x, to: squeezedShape(x.shape, axes: axes))]
        case .unsqueeze:
            let x = try input(0)
            return [try reshaped(x, to: unsqueezedShape(x.shape, axes: try integers(input(1))))]
        case .concat(let axis): return [try concatenated(inputs.compactMap { $0 }, axis: axis)]
        case .gather(let axis): return [try gathered(input(0), indices: input(1), axis: axis)]
        case .slice:
            let x = try input(0)
            let window = try SliceWindow(shape: x.shape, starts: integers(input(1)), ends: integers(input(2)),
                                         axes: inputs.count > 3 ? inputs[3].map(integers) : nil,
                                         steps: inputs.count > 4 ? inputs[4].map(integers) : nil)
            return [try sliced(x, window)]
        case .transpose(let perm):
            let x = try input(0)
            return [try transposed(x, perm ?? Array(x.shape.indices.reversed()))]
        case .constantOfShape(let value):
            let shape = try integers(input(0)).map { v -> Int in
                guard v >= 0, v <= maximumElements else { throw HostError("size \(v) is negative or too large") }
                return Int(v)
            }
            let n = try product(shape[...])
            switch value.elements {
            case .float(let v): return [HostTensor(shape: shape, elements: .float(Array(repeating: v.first ?? 0, count: n)))]
            case .int(let v): return [HostTensor(shape: shape, elements: .int(Array(repeating: v.first ?? 0, count: n)))]
            }
        case .range:
            let (start, limit, delta) = (try input(0), try input(1), try input(2))
            if case .int(let s) = start.elements, case .int(let l) = limit.elements, case .int(let d) = delta.elements,
               let s0 = s.first, let l0 = l.first, let d0 = d.first, d0 != 0 {
                let count = ((Double(l0) - Double(s0)) / Double(d0)).rounded(.up)
                guard count <= Double(maximumElements) else { throw HostError("Range of \(count) elements is too large") }
                let n = count > 0 ? Int(count) : 0
                return [HostTensor(shape: [n], elements: .int((0..<n).map { s0 + Int64($0) * d0 }))]
            }
            throw HostError("Range needs integer scalars and a nonzero delta")
        case .split(let axis, let count):
            let x = try input(0)
            let a = try normalizedAxis(axis, rank: x.shape.count)
            let sizes = try splitSizes(x.shape[a], parts: count, given: inputs.count > 1 ? inputs[1].map(integers) : nil)
            var start = 0
            return try sizes.map { size in
                defer { start += size }
                return try sliced(x, SliceWindow(shape: x.shape, starts: [Int64(start)], ends: [Int64(start + size)], axes: [Int64(a)], steps: nil))
            }
        default:
            throw HostError("\(op) does not run on constants")
        }
    }

    // MARK: Element-wise

    private static func unary(_ x: HostTensor, _ f: (Float) -> Float) throws -> HostTensor {
        guard case .float(let v) = x.elements else { throw HostError("needs floating-point values") }
        return HostTensor(shape: x.shape, elements: .float(v.map(f)))
    }

    /// `f` element-wise with numpy broadcasting; integers stay integers unless either side is float.
    private static func elementwise(_ a: HostTensor, _ b: HostTensor, _ f: (Float, Float) -> Float,
                                    _ g: (Int64, Int64) -> Int64) throws -> HostTensor {
        let shape = try broadcastShape(a.shape, b.shape)
        let n = try product(shape[...])
        let ia = broadcastIndices(from: a.shape, to: shape), ib = broadcastIndices(from: b.shape, to: shape)
        switch (a.elements, b.elements) {
        case (.int(let x), .int(let y)): return HostTensor(shape: shape, elements: .int((0..<n).map { g(x[ia[$0]], y[ib[$0]]) }))
        default:
            let x = floats(a), y = floats(b)
            return HostTensor(shape: shape, elements: .float((0..<n).map { f(x[ia[$0]], y[ib[$0]]) }))
        }
    }

    static func floats(_ t: HostTensor) -> [Float] {
        switch t.elements {
        case .float(let v): return v
        case .int(let v): return v.map { Float($0) }
        }
    }

    /// The values as integers; floats must be whole numbers in range.
    static func integers(_ t: HostTensor) throws -> [Int64] {
        switch t.elements {
        case .int(let v): return v
        case .float(let v):
            return try v.map { f in
                guard f.isFinite, f == f.rounded(), abs(f) < 9.2e18 else { throw HostError("\(f) is not a whole number") }
                return Int64(f)
            }
        }
    }

    /// numpy's broadcast shape of `a` and `b` (right-aligned).
    static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a, pb = Array(repeating: 1, count: rank - b.count) + b
        return try zip(pa, pb).map { x, y in
            guard x == y || x == 1 || y == 1 else { throw HostError("shapes \(a) and \(b) do not broadcast") }
            return max(x, y)
        }
    }

    /// For each element of `shape` (row-major), the index of the element of a tensor of `from` broadcast to it.
    private static func broadcastIndices(from: [Int], to shape: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: shape.count - from.count) + from
        var steps = Array(repeating: 0, count: shape.count), s = 1
        for d in padded.indices.reversed() {
            steps[d] = padded[d] == 1 ? 0 : s
            s *= padded[d]
        }
        return offsets(shape: shape, base: 0, steps: steps)
    }

    // MARK: Shapes

    /// The product of `dims`, bounded.
    static func product(_ dims: ArraySlice<Int>) throws -> Int {
        var n = 1
        for d in dims {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, p <= maximumElements else { throw HostError("a tensor of shape \(Array(dims)) is too large") }
            n = p
        }
        return n
    }

    static func normalizedAxis(_ axis: Int, rank: Int, inclusiveEnd: Bool = false) throws -> Int {
        let limit = inclusiveEnd ? rank + 1 : rank
        let a = axis < 0 ? axis + limit - (inclusiveEnd ? 1 : 0) : axis
        guard a >= 0, a < limit else { throw HostError("axis \(axis) is outside rank \(rank)") }
        return a
    }

    /// ONNX Shape: the dimensions `start ..< end` of `shape` (negative counts from the end, clamped), as int64s.
    static func shapeOf(_ shape: [Int], start: Int, end: Int?) -> HostTensor {
        let r = shape.count
        func clampIndex(_ i: Int) -> Int { min(max(i < 0 ? i + r : i, 0), r) }
        let s = clampIndex(start), e = clampIndex(end ?? r)
        let dims = s < e ? Array(shape[s..<e]) : []
        return HostTensor(shape: [dims.count], elements: .int(dims.map(Int64.init)))
    }

    /// ONNX Reshape's target: 0 copies the input's size (unless `allowZero`), −1 is inferred.
    static func resolvedShape(_ requested: [Int64], of input: [Int], allowZero: Bool) throws -> [Int] {
        let total = try product(input[...])
        var shape = [Int](), inferred: Int?
        for (i, v) in requested.enumerated() {
            switch v {
            case -1:
                guard inferred == nil else { throw HostError("shape \(requested) has two −1") }
                inferred = i
                shape.append(1)
            case 0 where !allowZero:
                guard i < input.count else { throw HostError("shape \(requested) copies dimension \(i) of \(input), which has none") }
                shape.append(input[i])
            case 0...Int64(maximumElements): shape.append(Int(v))
            default: throw HostError("shape \(requested) has size \(v)")
            }
        }
        let known = try product(shape[...])
        if let i = inferred {
            guard known > 0, total % known == 0 else { throw HostError("cannot reshape \(input) to \(requested)") }
            shape[i] = total / known
        }
        guard try product(shape[...]) == total else { throw HostError("cannot reshape \(input) (\(total) elements) to \(requested)") }
        return shape
    }

    static func squeezedShape(_ shape: [Int], axes: [Int]?) throws -> [Int] {
        guard let axes else { return shape.filter { $0 != 1 } }
        for a in axes where shape[a] != 1 { throw HostError("cannot squeeze axis \(a) of \(shape): its size is not 1") }
        return shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }

    static func unsqueezedShape(_ shape: [Int], axes: [Int64]) throws -> [Int] {
        let rank = shape.count + axes.count
        let normalized = Set(try axes.map { try normalizedAxis(Int(clamping: $0), rank: rank) })
        guard normalized.count == axes.count else { throw HostError("Unsqueeze axes \(axes) repeat") }
        var rest = shape.makeIterator()
        return (0..<rank).map { normalized.contains($0) ? 1 : rest.next() ?? 1 }
    }

    static func splitSizes(_ size: Int, parts: Int, given: [Int64]?) throws -> [Int] {
        if let given {
            guard given.count == parts, given.allSatisfy({ $0 >= 0 }), given.reduce(0, +) == Int64(size) else {
                throw HostError("split sizes \(given) do not cut \(size) into \(parts) parts")
            }
            return given.map { Int($0) }
        }
        guard parts > 0, size % parts == 0 else { throw HostError("cannot split \(size) into \(parts) equal parts") }
        return Array(repeating: size / parts, count: parts)
    }

    private static func reshaped(_ x: HostTensor, to shape: [Int]) throws -> HostTensor {
        guard try product(shape[...]) == x.count else { throw HostError("cannot reshape \(x.shape) to \(shape)") }
        return HostTensor(shape: shape, elements: x.elements)
    }

    private static func cast(_ x: HostTensor, to type: Int) throws -> HostTensor {
        let floatTypes: Set<Int> = [1, 10, 11, 16]
        if floatTypes.contains(type) { return HostTensor(shape: x.shape, elements: .float(floats(x))) }
        switch x.elements {
        case .int: return x
        case .float(let v):
            return HostTensor(shape: x.shape, elements: .int(try v.map { f in
                guard f.isFinite, abs(f) < 9.2e18 else { throw HostError("cannot cast \(f) to an integer") }
                return Int64(f.rounded(.towardZero))
            }))
        }
    }

    /// Rearranges the elements of `x` by index mapping `source` (output element → input element).
    private static func picking(_ x: HostTensor, shape: [Int], _ source: [Int]) -> HostTensor {
        switch x.elements {
        case .float(let v): return HostTensor(shape: shape, elements: .float(source.map { v[$0] }))
        case .int(let v): return HostTensor(shape: shape, elements: .int(source.map { v[$0] }))
        }
    }

    /// Row-major strides of `shape`.
    private static func strides(_ shape: [Int]) -> [Int] {
        var s = Array(repeating: 1, count: shape.count)
        for d in shape.indices.reversed().dropFirst() { s[d] = s[d + 1] * shape[d + 1] }
        return s
    }

    /// The input offsets of every output element of a strided view: output index i maps to
    /// `base + Σ index_d · step_d`.
    private static func offsets(shape: [Int], base: Int, steps: [Int]) -> [Int] {
        var out = [Int](), index = Array(repeating: 0, count: shape.count)
        let n = shape.reduce(1, *)
        out.reserveCapacity(n)
        for _ in 0..<n {
            out.append(base + zip(index, steps).reduce(0) { $0 + $1.0 * $1.1 })
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    private static func transposed(_ x: HostTensor, _ perm: [Int]) throws -> HostTensor {
        guard perm.sorted() == Array(x.shape.indices) else { throw HostError("\(perm) is not a permutation of \(x.shape.count) axes") }
        let s = strides(x.shape)
        let shape = perm.map { x.shape[$0] }
        return picking(x, shape: shape, offsets(shape: shape, base: 0, steps: perm.map { s[$0] }))
    }

    private static func concatenated(_ xs: [HostTensor], axis: Int) throws -> HostTensor {
        guard let first = xs.first else { throw HostError("Concat of nothing") }
        let a = try normalizedAxis(axis, rank: first.shape.count)
        for x in xs where x.shape.count != first.shape.count || x.shape.indices.contains(where: { $0 != a && x.shape[$0] != first.shape[$0] }) {
            throw HostError("cannot concatenate \(first.shape) and \(x.shape) on axis \(a)")
        }
        var shape = first.shape
        shape[a] = xs.reduce(0) { $0 + $1.shape[a] }
        _ = try product(shape[...])
        let outer = first.shape[..<a].reduce(1, *)
        if xs.allSatisfy({ if case .int = $0.elements { return true }; return false }) {
            var out = [Int64]()
            for o in 0..<outer {
                for x in xs {
                    guard case .int(let v) = x.elements else { continue }
                    let inner = x.shape[a...].reduce(1, *)
                    out += v[(o * inner)..<((o + 1) * inner)]
                }
            }
            return HostTensor(shape: shape, elements: .int(out))
        }
        var out = [Float]()
        for o in 0..<outer {
            for x in xs {
                let inner = x.shape[a...].reduce(1, *), v = floats(x)
                out += v[(o * inner)..<((o + 1) * inner)]
            }
        }
        return HostTensor(shape: shape, elements: .float(out))
    }

    private static func gathered(_ data: HostTensor, indices: HostTensor, axis: Int) throws -> HostTensor {
        let a = try normalizedAxis(axis, rank: data.shape.count)
        let size = data.shape[a]
        let picked = try integers(indices).map { i -> Int in
            let j = i < 0 ? i + Int64(size) : i
            guard j >= 0, j < Int64(size) else { throw HostError("Gather index \(i) is outside size \(size)") }
            return Int(j)
        }
        let outer = data.shape[..<a].reduce(1, *), inner = data.shape[(a + 1)...].reduce(1, *)
        var source = [Int]()
        for o in 0..<outer {
            for j in picked { source += ((o * size + j) * inner)..<((o * size + j + 1) * inner) }
        }
        return picking(data, shape: Array(data.shape[..<a]) + indices.shape + Array(data.shape[(a + 1)...]), source)
    }

    private static func sliced(_ x: HostTensor, _ window: SliceWindow) throws -> HostTensor {
        let s = strides(x.shape)
        let base = zip(window.starts, s).reduce(0) { $0 + $1.0 * $1.1 }
        return picking(x, shape: window.shape, offsets(shape: window.shape, base: base, steps: zip(window.steps, s).map(*)))
    }
}

/// The elements an ONNX Slice keeps, per axis of a tensor: start, step and count, with ONNX's
/// clamping of out-of-range starts and ends.
struct SliceWindow {
    var starts: [Int]
    var steps: [Int]
    var shape: [Int]

    init(shape input: [Int], starts: [Int64], ends: [Int64], axes: [Int64]?, steps: [Int64]?) throws {
        let rank = input.count
        let axes = axes ?? (0..<Int64(starts.count)).map { $0 }
        let steps = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw HostError("Slice's starts, ends, axes and steps differ in length")
        }
        self.starts = Array(repeating: 0, count: rank)
        self.steps = Array(repeating: 1, count: rank)
        shape = input
        var seen = Set<Int>()
        for i in starts.indices {
            let a = try HostEvaluation.normalizedAxis(Int(clamping: axes[i]), rank: rank)
            guard seen.insert(a).inserted else { throw HostError("Slice names axis \(a) twice") }
            // A step longer than the axis takes one element, whatever its length: bounded, the
            // count below cannot overflow.
            let size = Int64(input[a]), step = min(max(steps[i], -size - 1), size + 1)
            guard step != 0 else { throw HostError("Slice step 0") }
            func clampIndex(_ v: Int64, low: Int64, high: Int64) -> Int64 {
                let w = v < 0 ? v &+ size : v
                return min(max(w, low), high)
            }
            let (start, end) = step > 0 ? (clampIndex(starts[i], low: 0, high: size), clampIndex(ends[i], low: 0, high: size))
                : (clampIndex(starts[i], low: -1, high: size - 1), clampIndex(ends[i], low: -1, high: size - 1))
            let count = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end - step - 1) / -step)
            self.starts[a] = Int(start)
            self.steps[a] = Int(clamping: step)
            shape[a] = Int(count)
        }
    }
}

/// A failure of host arithmetic; the caller names the node.
struct HostError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
