import GraftCore

extension Image {
    /// The image inverse-mapped through `source`, which gives for each output pixel `(x, y)`
    /// the continuous input position it reads (pixel `i` spans `[i, i + 1)`, its centre at
    /// `i + 0.5`), sampled as PIL's BILINEAR transform filter: a position outside the image
    /// gives black (fill 0), neighbours beyond the edge are clamped, and the result is
    /// truncated to 8 bits.
    func warped(_ source: (Int, Int) -> (x: Double, y: Double)) -> Image {
        let c = channels, w = width, h = height
        return pixels.withUnsafeBufferPointer { src in
            Image(width: w, height: h, channels: c) { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        let out = (y * w + x) * c
                        let (xin, yin) = source(x, y)
                        guard xin >= 0, xin < Double(w), yin >= 0, yin < Double(h) else {
                            for k in 0..<c { dst[out + k] = 0 }
                            continue
                        }
                        let fx = xin - 0.5, fy = yin - 0.5
                        let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                        let dx = fx - Double(x0), dy = fy - Double(y0)
                        let xa = min(max(x0, 0), w - 1) * c, xb = min(max(x0 + 1, 0), w - 1) * c
                        let rowA = min(max(y0, 0), h - 1) * w * c
                        let hasRowB = y0 + 1 >= 0 && y0 + 1 < h
                        let rowB = (y0 + 1) * w * c
                        for k in 0..<c {
                            let a0 = Double(src[rowA + xa + k]), a1 = Double(src[rowA + xb + k])
                            let v1 = a0 + (a1 - a0) * dx
                            var v2 = v1
                            if hasRowB {
                                let b0 = Double(src[rowB + xa + k]), b1 = Double(src[rowB + xb + k])
                                v2 = b0 + (b1 - b0) * dx
                            }
                            let v = v1 + (v2 - v1) * dy
                            dst[out + k] = v <= 0 ? 0 : v >= 255 ? 255 : UInt8(v)
                        }
                    }
                }
            }
        }
    }

    /// The image through the affine map whose inverse `m` takes output pixel centres to input
    /// positions, `(m0 x + m1 y + m2, m3 x + m4 y + m5)`, as PIL's `Image.transform(AFFINE, m,
    /// BILINEAR)`.
    func affineWarped(inverse m: [Double]) -> Image {
        warped { x, y in
            let xo = Double(x) + 0.5, yo = Double(y) + 0.5
            return (m[0] * xo + m[1] * yo + m[2], m[3] * xo + m[4] * yo + m[5])
        }
    }
}
