import GraftCore

/// PIL's separable resampling weights along one axis for its BILINEAR filter (Pillow 9,
/// `precompute_coeffs` and `normalize_coeffs_8bpc` in Resample.c): a triangle whose support
/// widens with the downscale factor, so downscaling averages (antialiases) rather than skips,
/// then fixed-point weights with 22 fractional bits, applied with PIL's rounding.
struct ResampleAxis {
    static let precisionBits = 22
    /// The first input index each output index reads.
    let first: [Int]
    /// How many inputs each output index reads.
    let taps: [Int]
    /// Weights, `kernelSize` per output index (the first `taps[i]` used).
    let weights: [Int32]
    let kernelSize: Int

    /// Runs `body` on unchecked views of `first`, `taps` and `weights` (the resampling loops).
    func withBuffers<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int32>) -> R) -> R {
        first.withUnsafeBufferPointer { f in taps.withUnsafeBufferPointer { t in weights.withUnsafeBufferPointer { w in body(f, t, w) } } }
    }

    init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale  // the triangle's support is 1 input pixel at scale 1
        let inverseFilterScale = 1 / filterScale
        kernelSize = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outputSize), taps = first
        var weights = [Int32](repeating: 0, count: outputSize * kernelSize)
        var k = [Double](repeating: 0, count: kernelSize)
        for i in 0..<outputSize {
            let center = (Double(i) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let n = min(Int(center + support + 0.5), inputSize) - lo
            var sum = 0.0
            for t in 0..<n {
                let x = abs((Double(t + lo) - center + 0.5) * inverseFilterScale)
                k[t] = x < 1 ? 1 - x : 0
                sum += k[t]
            }
            for t in 0..<n {
                let w = sum != 0 ? k[t] / sum : k[t]
                weights[i * kernelSize + t] = Int32(w * Double(1 << ResampleAxis.precisionBits) + (w < 0 ? -0.5 : 0.5))
            }
            first[i] = lo; taps[i] = n
        }
        self.first = first; self.taps = taps; self.weights = weights
    }
}

extension Image {
    /// The image resized so that its shorter side is `shorterSide`, the longer side
    /// `Int(shorterSide × longer / shorter)`, with PIL's antialiased bilinear filter: torchvision's
    /// `Resize(shorterSide)` on a PIL image. An image whose shorter side already has that length
    /// is returned as it is.
    public func resize(shorterSide: Int) throws -> Image {
        guard shorterSide > 0 else {
            throw GraftError.invalidArgument(op: "Image.resize", detail: "shorter side \(shorterSide) must be positive")
        }
        let (w, h) = try resizedSize(shorterSide: shorterSide)
        return resampled(width: w, height: h, rows: 0..<h, columns: 0..<w)
    }

    /// The image resized to `width × height` with PIL's antialiased bilinear filter, as
    /// `PIL.Image.resize((width, height), BILINEAR)`.
    public func resize(width w: Int, height h: Int) throws -> Image {
        guard w > 0, h > 0 else {
            throw GraftError.invalidArgument(op: "Image.resize", detail: "size \(w)×\(h) must be positive")
        }
        return resampled(width: w, height: h, rows: 0..<h, columns: 0..<w)
    }

    /// torchvision's output size for `Resize(shorterSide)`; throws when it would exceed
    /// `Image.maximumPixelCount` (a long, thin image), before anything is allocated for it.
    func resizedSize(shorterSide: Int) throws -> (width: Int, height: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        let (product, overflow) = shorterSide.multipliedReportingOverflow(by: long)
        let newLong = overflow ? Int.max : Int(Double(product) / Double(short))
        let (pixels, tooMany) = newLong.multipliedReportingOverflow(by: shorterSide)
        guard !tooMany, pixels <= Image.maximumPixelCount else {
            throw GraftError.invalidArgument(
                op: "resize", detail: "resizing a \(width)×\(height) image to a shorter side of \(shorterSide) would make "
                    + "more than \(Image.maximumPixelCount) pixels, the limit")
        }
        return width <= height ? (shorterSide, newLong) : (newLong, shorterSide)
    }

    /// The window `rows × columns` of this image resized to `width × height`, computing only
    /// that window: PIL's horizontal pass over the input rows the window needs, rounded to
    /// 8 bits, then its vertical pass. A pass whose axis keeps its size is skipped (PIL skips
    /// it too; its weights would be the identity).
    func resampled(width ow: Int, height oh: Int, rows: Range<Int>, columns: Range<Int>) -> Image {
        if ow == width && oh == height && rows == 0..<height && columns == 0..<width { return self }
        let c = channels
        let vertical = oh == height ? nil : ResampleAxis(inputSize: height, outputSize: oh)
        let inputRows = vertical.map { v in
            v.first[rows.lowerBound]..<(v.first[rows.upperBound - 1] + v.taps[rows.upperBound - 1])
        } ?? rows
        let horizontal = ow == width ? nil : ResampleAxis(inputSize: width, outputSize: ow)
        // Horizontal pass: inputRows × columns.
        let pass1 = pixels.withUnsafeBufferPointer { src in
            Image(width: columns.count, height: inputRows.count, channels: c) { dst in
                let source = src.baseAddress! + inputRows.lowerBound * width * c, destination = dst.baseAddress!
                guard let axis = horizontal else {
                    for y in 0..<inputRows.count {
                        (destination + y * columns.count * c).update(from: source + (y * width + columns.lowerBound) * c,
                                                                     count: columns.count * c)
                    }
                    return
                }
                axis.resampleRows(source, sourceStride: width * c, rowCount: inputRows.count, channels: c, outputs: columns,
                                  into: destination, destinationStride: columns.count * c)
            }
        }
        guard let axis = vertical else { return pass1 }
        // Vertical pass: rows × columns, reading pass1's rows.
        let rowLength = columns.count * c
        return pass1.pixels.withUnsafeBufferPointer { src in
            Image(width: columns.count, height: rows.count, channels: c) { dst in
                axis.resampleColumns(src.baseAddress!, sourceStride: rowLength, firstSourceRow: inputRows.lowerBound, rowLength: rowLength,
                                     outputs: rows, into: dst.baseAddress!, destinationStride: rowLength)
            }
        }
    }
}
