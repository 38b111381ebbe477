import GraftCore

/// PIL's separable resampling weights along one axis for its BILINEAR or BICUBIC filter
/// (Pillow 9, `precompute_coeffs` and `normalize_coeffs_8bpc` in Resample.c): a kernel whose
/// support widens with the downscale factor, so downscaling averages (antialiases) rather than
/// skips, then fixed-point weights with 22 fractional bits, applied with PIL's rounding.
struct ResampleAxis {
    static let precisionBits = 22
    /// The first input index each output index reads.
    let first: [Int]
    /// How many inputs each output index reads.
    let taps: [Int]
    /// Weights, `kernelSize` per output index (the first `taps[i]` used).
    let weights: [Int32]
    let kernelSize: Int
    /// Whether every weight lies in −2²²...2²², the range the SSE2 loops split into two 16-bit
    /// lanes (`resampleRGBRows`); bicubic weights near an edge can reach 1.125 · 2²², and then
    /// the plain loops run.
    let weightsSplit: Bool

    /// Runs `body` on unchecked views of `first`, `taps` and `weights` (the resampling loops).
    func withBuffers<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int32>) -> R) -> R {
        first.withUnsafeBufferPointer { f in taps.withUnsafeBufferPointer { t in weights.withUnsafeBufferPointer { w in body(f, t, w) } } }
    }

    /// One of PIL's antialiasing filters: its kernel and its support in input pixels at scale 1.
    enum Filter {
        /// `bilinear_filter`: the triangle 1 − |x| on |x| < 1.
        case bilinear
        /// `bicubic_filter`: Keys' cubic with a = −0.5 on |x| < 2 (negative lobes: weights can
        /// be negative and sums can leave 0...255 before the clip).
        case bicubic

        /// The filter PIL applies for `interpolation`; nil for those that are not PIL filters.
        init?(_ interpolation: Interpolation) {
            switch interpolation {
            case .bilinear: self = .bilinear
            case .bicubic: self = .bicubic
            case .area, .nearest: return nil
            }
        }

        var support: Double { self == .bilinear ? 1 : 2 }

        /// The kernel at `x` input pixels from the centre, as PIL computes it in doubles.
        func weight(_ x: Double) -> Double {
            let x = abs(x), a = -0.5
            switch self {
            case .bilinear: return x < 1 ? 1 - x : 0
            case .bicubic:
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0
            }
        }
    }

    /// The weights for resizing `inputSize` pixels to `outputSize` (both positive) with `filter`.
    init(inputSize: Int, outputSize: Int, filter: Filter = .bilinear) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
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
                k[t] = filter.weight((Double(t + lo) - center + 0.5) * inverseFilterScale)
                sum += k[t]
            }
            for t in 0..<n {
                let w = sum != 0 ? k[t] / sum : k[t]
                weights[i * kernelSize + t] = Int32(w * Double(1 << ResampleAxis.precisionBits) + (w < 0 ? -0.5 : 0.5))
            }
            first[i] = lo; taps[i] = n
        }
        self.first = first; self.taps = taps; self.weights = weights
        weightsSplit = weights.allSatisfy { abs($0) <= 1 << ResampleAxis.precisionBits }
    }
}

extension Image {
    /// The image resized so that its shorter side is `shorterSide`, the longer side
    /// `Int(shorterSide × longer / shorter)`, with `interpolation` (PIL's antialiased bilinear
    /// filter by default): torchvision's `Resize(shorterSide, interpolation)` on a PIL image. An
    /// image whose shorter side already has that length is returned as it is.
    public func resize(shorterSide: Int, interpolation: Interpolation = .bilinear) throws -> Image {
        guard shorterSide > 0 else {
            throw GraftError.invalidArgument(op: "Image.resize", detail: "shorter side \(shorterSide) must be positive")
        }
        let (w, h) = try resizedSize(shorterSide: shorterSide)
        return resized(width: w, height: h, rows: 0..<h, columns: 0..<w, interpolation: interpolation)
    }

    /// The image resized to `width × height` with `interpolation` (PIL's antialiased bilinear
    /// filter by default), as `PIL.Image.resize((width, height), BILINEAR)` (or `BICUBIC`).
    public func resize(width w: Int, height h: Int, interpolation: Interpolation = .bilinear) throws -> Image {
        guard w > 0, h > 0 else {
            throw GraftError.invalidArgument(op: "Image.resize", detail: "size \(w)×\(h) must be positive")
        }
        return resized(width: w, height: h, rows: 0..<h, columns: 0..<w, interpolation: interpolation)
    }

    /// The window `rows × columns` of this image resized to `width × height` with
    /// `interpolation`: PIL's filters compute only that window; area and nearest resize the
    /// whole image, then cut the window out of it.
    func resized(width w: Int, height h: Int, rows: Range<Int>, columns: Range<Int>, interpolation: Interpolation) -> Image {
        guard let filter = ResampleAxis.Filter(interpolation) else {
            let whole = interpolation == .area ? areaResized(width: w, height: h) : nearestResized(width: w, height: h)
            return whole.window(top: rows.lowerBound, left: columns.lowerBound, height: rows.count, width: columns.count)
        }
        return resampled(width: w, height: h, rows: rows, columns: columns, filter: filter)
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

    /// The window `rows × columns` of this image resized to `width × height` with PIL's
    /// `filter`, computing only that window: PIL's horizontal pass over the input rows the
    /// window needs, rounded to 8 bits, then its vertical pass. A pass whose axis keeps its size
    /// is skipped (PIL skips it too; its weights would be the identity).
    func resampled(width ow: Int, height oh: Int, rows: Range<Int>, columns: Range<Int>, filter: ResampleAxis.Filter) -> Image {
        if ow == width && oh == height && rows == 0..<height && columns == 0..<width { return self }
        let c = channels
        let vertical = oh == height ? nil : ResampleAxis(inputSize: height, outputSize: oh, filter: filter)
        let inputRows = vertical.map { v in
            v.first[rows.lowerBound]..<(v.first[rows.upperBound - 1] + v.taps[rows.upperBound - 1])
        } ?? rows
        let horizontal = ow == width ? nil : ResampleAxis(inputSize: width, outputSize: ow, filter: filter)
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
