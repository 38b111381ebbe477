/// The loops of PIL's two resampling passes over raw pixel memory, shared by `Image.resampled`
/// and the fused `Pipeline` path. They keep PIL's arithmetic (Resample.c, 8 bpc): a 32-bit sum
/// that starts at ½ in 22-bit fixed point, the weights of `ResampleAxis`, then `>> 22` clipped to
/// 0...255. The sums cannot overflow 32 bits: bytes are at most 255 and an output's weights sum
/// to 2²² plus rounding.
extension ResampleAxis {
    /// Horizontal pass over `rowCount` rows of `channels`-byte pixels: output pixels `outputs`
    /// of each row. `source` points at input pixel 0 of row 0; rows are `sourceStride` bytes
    /// apart, output rows `destinationStride`.
    func resampleRows(_ source: UnsafePointer<UInt8>, sourceStride: Int, rowCount: Int, channels c: Int, outputs: Range<Int>,
                      into destination: UnsafeMutablePointer<UInt8>, destinationStride: Int) {
        let half = Int32(1 << (ResampleAxis.precisionBits - 1)), shift = Int32(ResampleAxis.precisionBits)
        let kernelSize = self.kernelSize
        withBuffers { first, taps, weights in
            let first = first.baseAddress!, taps = taps.baseAddress!, weights = weights.baseAddress!
            for row in 0..<rowCount {
                let src = source + row * sourceStride
                var dst = destination + row * destinationStride
                switch c {
                case 3:
                    for x in outputs {
                        var p = src + first[x] &* 3, w = weights + x &* kernelSize
                        var r = half, g = half, b = half
                        for _ in 0..<max(taps[x], 0) {
                            let k = w.pointee
                            r &+= Int32(p[0]) &* k; g &+= Int32(p[1]) &* k; b &+= Int32(p[2]) &* k
                            p += 3; w += 1
                        }
                        dst[0] = clip8(r >> shift); dst[1] = clip8(g >> shift); dst[2] = clip8(b >> shift)
                        dst += 3
                    }
                case 1:
                    for x in outputs {
                        let p = src + first[x], w = weights + x &* kernelSize
                        var v = half
                        for t in 0..<max(taps[x], 0) { v &+= Int32(p[t]) &* w[t] }
                        dst[0] = clip8(v >> shift)
                        dst += 1
                    }
                default:
                    for x in outputs {
                        let p = src + first[x] &* c, w = weights + x &* kernelSize
                        for k in 0..<c {
                            var v = half
                            for t in 0..<max(taps[x], 0) { v &+= Int32(p[t &* c &+ k]) &* w[t] }
                            dst[k] = clip8(v >> shift)
                        }
                        dst += c
                    }
                }
            }
        }
    }

    /// Vertical pass: output rows `outputs` of this axis, `rowLength` bytes each, written one
    /// after another `destinationStride` bytes apart. `source` points at input row
    /// `firstSourceRow`; input rows are `sourceStride` bytes apart.
    func resampleColumns(_ source: UnsafePointer<UInt8>, sourceStride: Int, firstSourceRow: Int, rowLength: Int, outputs: Range<Int>,
                         into destination: UnsafeMutablePointer<UInt8>, destinationStride: Int) {
        let half = Int32(1 << (ResampleAxis.precisionBits - 1)), shift = Int32(ResampleAxis.precisionBits)
        let kernelSize = self.kernelSize
        // One sum per byte of the row, accumulated tap by tap (loops the compiler vectorises).
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength)
        defer { sums.deallocate() }
        withBuffers { first, taps, weights in
            for (i, y) in outputs.enumerated() {
                let rows = source + (first[y] - firstSourceRow) * sourceStride, n = taps[y]
                let w = weights.baseAddress! + y * kernelSize
                let dst = destination + i * destinationStride
                let w0 = w[0]
                for j in 0..<rowLength { sums[j] = half &+ Int32(rows[j]) &* w0 }
                for t in 1..<max(n, 1) {
                    let row = rows + t * sourceStride, k = w[t]
                    for j in 0..<rowLength { sums[j] &+= Int32(row[j]) &* k }
                }
                for j in 0..<rowLength { dst[j] = clip8(sums[j] >> shift) }
            }
        }
    }
}

/// `v` clipped to a byte.
@inline(__always) func clip8(_ v: Int32) -> UInt8 { UInt8(truncatingIfNeeded: min(max(v, 0), 255)) }
