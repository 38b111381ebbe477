#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// The loops of PIL's two resampling passes over raw pixel memory, shared by `Image.resampled`
/// and the fused `Pipeline` path. They keep PIL's arithmetic (Resample.c, 8 bpc): a 32-bit sum
/// that starts at ½ in 22-bit fixed point, the weights of `ResampleAxis`, then `>> 22` clipped to
/// 0...255. The sums cannot overflow 32 bits: bytes are at most 255 and the magnitudes of an
/// output's weights sum to 2²² plus rounding (bilinear) or to less than 1.3 · 2²² (bicubic's
/// negative lobes).
extension ResampleAxis {
    /// Horizontal pass over `rowCount` rows of `channels`-byte pixels: output pixels `outputs`
    /// of each row. `source` points at input pixel 0 of row 0; rows are `sourceStride` bytes
    /// apart, output rows `destinationStride`.
    func resampleRows(_ source: UnsafePointer<UInt8>, sourceStride: Int, rowCount: Int, channels c: Int, outputs: Range<Int>,
                      into destination: UnsafeMutablePointer<UInt8>, destinationStride: Int) {
        let half = Int32(1 << (ResampleAxis.precisionBits - 1)), shift = Int32(ResampleAxis.precisionBits)
        #if arch(x86_64)
        if c == 3 && weightsSplit {
            resampleRGBRows(source, sourceStride: sourceStride, rowCount: rowCount, outputs: outputs,
                            into: destination, destinationStride: destinationStride)
            return
        }
        #endif
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
        #if arch(x86_64)
        let vectorLength = weightsSplit ? rowLength & ~7 : 0
        if vectorLength > 0 {
            resampleColumnBlocks(source, sourceStride: sourceStride, firstSourceRow: firstSourceRow, bytes: vectorLength,
                                 outputs: outputs, into: destination, destinationStride: destinationStride)
        }
        let (source, destination, rowLength) = (source + vectorLength, destination + vectorLength, rowLength - vectorLength)
        guard rowLength > 0 else { return }
        #endif
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

#if arch(x86_64)
extension ResampleAxis {
    /// `resampleRows` for 3 channels with SSE2, the same sums: one `pmaddwd` multiplies a
    /// pixel's three bytes by a tap's weight. Each input pixel is widened once per row to the
    /// 16-bit lanes `v, v·2⁷` per channel, each weight split as `w = wl + 2⁷·wh` (`wh` in
    /// −2¹⁵...2¹⁵ − 1, so `wl` stays in 0..<2⁸ for every weight in −2²²...2²², which
    /// `weightsSplit` checks), and `pmaddwd` adds
    /// `v·wl + v·2⁷·wh = v·w` in 32 bits. The result is shifted, then packed with saturation
    /// to bytes, which is `clip8`.
    func resampleRGBRows(_ source: UnsafePointer<UInt8>, sourceStride: Int, rowCount: Int, outputs: Range<Int>,
                         into destination: UnsafeMutablePointer<UInt8>, destinationStride: Int) {
        guard !outputs.isEmpty else { return }
        let kernelSize = self.kernelSize, zero = _mm_setzero_si128()
        let lo = first[outputs.lowerBound], hi = first[outputs.upperBound - 1] + taps[outputs.upperBound - 1]
        let pixels = UnsafeMutablePointer<__m128i>.allocate(capacity: max(hi - lo, 1))
        let split = UnsafeMutablePointer<__m128i>.allocate(capacity: outputs.count * kernelSize)
        defer { pixels.deallocate(); split.deallocate() }
        for (i, x) in outputs.enumerated() {
            for t in 0..<taps[x] {
                let w = Int(weights[x * kernelSize + t]), wh = min(w >> 7, 32767), wl = w - wh << 7
                let (l, h) = (Int16(wl), Int16(wh))
                split[i * kernelSize + t] = _mm_setr_epi16(l, h, l, h, l, h, 0, 0)
            }
        }
        let half = _mm_set1_epi32(1 << (Int32(ResampleAxis.precisionBits) - 1)), shift = Int32(ResampleAxis.precisionBits)
        withBuffers { first, taps, _ in
            for row in 0..<rowCount {
                let src = source + row * sourceStride
                // Widen the row's pixels: bytes r g b → lanes r, r·2⁷, g, g·2⁷, b, b·2⁷, 0, 0 (the
                // fourth byte read, the next pixel's, meets zero weights; the last pixel is read
                // byte by byte so as not to read past the row).
                func widen(_ bytes: UInt32) -> __m128i {
                    let x = _mm_unpacklo_epi8(_mm_cvtsi32_si128(Int32(bitPattern: bytes)), zero)
                    return _mm_unpacklo_epi16(x, _mm_slli_epi16(x, 7))
                }
                for j in lo..<(hi - 1) { pixels[j - lo] = widen(UnsafeRawPointer(src + 3 * j).loadUnaligned(as: UInt32.self)) }
                let last = src + 3 * (hi - 1)
                pixels[hi - 1 - lo] = widen(UInt32(last[0]) | UInt32(last[1]) << 8 | UInt32(last[2]) << 16)
                var dst = destination + row * destinationStride
                for (i, x) in outputs.enumerated() {
                    var sum = half
                    let p = pixels + (first[x] - lo), w = split + i * kernelSize
                    for t in 0..<taps[x] { sum = _mm_add_epi32(sum, _mm_madd_epi16(p[t], w[t])) }
                    let v = _mm_srai_epi32(sum, shift)
                    let packed = UInt32(bitPattern: _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packs_epi32(v, v), zero)))
                    dst[0] = UInt8(truncatingIfNeeded: packed); dst[1] = UInt8(truncatingIfNeeded: packed >> 8)
                    dst[2] = UInt8(truncatingIfNeeded: packed >> 16)
                    dst += 3
                }
            }
        }
    }

    /// `resampleColumns` over the first `bytes` bytes of each row (a multiple of 8) with SSE2,
    /// the same sums: eight bytes at a time, widened to `v, v·2⁷` lanes and multiplied by the
    /// tap's split weight with `pmaddwd` (see `resampleRGBRows`), the sums kept in registers.
    func resampleColumnBlocks(_ source: UnsafePointer<UInt8>, sourceStride: Int, firstSourceRow: Int, bytes: Int, outputs: Range<Int>,
                              into destination: UnsafeMutablePointer<UInt8>, destinationStride: Int) {
        let kernelSize = self.kernelSize, zero = _mm_setzero_si128()
        let half = _mm_set1_epi32(1 << (Int32(ResampleAxis.precisionBits) - 1)), shift = Int32(ResampleAxis.precisionBits)
        let split = UnsafeMutablePointer<__m128i>.allocate(capacity: kernelSize)
        defer { split.deallocate() }
        withBuffers { first, taps, weights in
            for (i, y) in outputs.enumerated() {
                let rows = source + (first[y] - firstSourceRow) * sourceStride, n = taps[y]
                for t in 0..<n {
                    let w = Int32(weights[y * kernelSize + t]), wh = min(w >> 7, 32767), wl = w - wh << 7
                    split[t] = _mm_set1_epi32(wh << 16 | wl)
                }
                let dst = destination + i * destinationStride
                for j in stride(from: 0, to: bytes, by: 8) {
                    var low = half, high = half
                    for t in 0..<n {
                        let eight = UnsafeRawPointer(rows + t * sourceStride + j).loadUnaligned(as: Int64.self)
                        let x = _mm_unpacklo_epi8(_mm_cvtsi64_si128(eight), zero), x7 = _mm_slli_epi16(x, 7)
                        low = _mm_add_epi32(low, _mm_madd_epi16(_mm_unpacklo_epi16(x, x7), split[t]))
                        high = _mm_add_epi32(high, _mm_madd_epi16(_mm_unpackhi_epi16(x, x7), split[t]))
                    }
                    let packed = _mm_packus_epi16(_mm_packs_epi32(_mm_srai_epi32(low, shift), _mm_srai_epi32(high, shift)), zero)
                    UnsafeMutableRawPointer(dst + j).storeBytes(of: _mm_cvtsi128_si64(packed), as: Int64.self)
                }
            }
        }
    }
}
#endif
