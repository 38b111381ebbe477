import CImageCodecs

extension Image {
    /// Decodes a JPEG with libjpeg-turbo (TurboJPEG API, the accurate integer DCT and fancy
    /// upsampling that PIL also uses): greyscale JPEGs give 1 channel, YCbCr/RGB give 3, and
    /// CMYK/YCCK give 3 by PIL's `convert("RGB")` arithmetic (Adobe's inverted CMYK). The EXIF
    /// orientation is applied. With `minimumShorterSide`, the decoder scales by the smallest
    /// of 1/8, 1/4, 1/2 whose result keeps the shorter side at least that long (as PIL's
    /// `draft`); nil decodes at full size. Corrupt or truncated data throws
    /// `DataError.corrupt` naming `source`; decoder warnings other than truncation are
    /// tolerated, as PIL tolerates them.
    public static func decodeJPEG(_ data: [UInt8], minimumShorterSide: Int? = nil, source: String = "JPEG data") throws -> Image {
        guard !data.isEmpty else { throw DataError.corrupt(file: source, reason: "empty JPEG data") }
        guard let handle = tjInitDecompress() else {
            throw DataError.corrupt(file: source, reason: "cannot start the JPEG decoder: \(String(cString: tjGetErrorStr2(nil)))")
        }
        defer { tjDestroy(handle) }
        // A warning is tolerated unless it says the data ran out.
        func check(_ status: Int32, _ what: String) throws {
            guard status != 0 else { return }
            let message = String(cString: tjGetErrorStr2(handle))
            if message.contains("Premature end of JPEG file") {
                throw DataError.corrupt(file: source, reason: "truncated JPEG: the data ends before the image does")
            }
            if tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue) {
                throw DataError.corrupt(file: source, reason: "corrupt JPEG (\(what)): \(message)")
            }
        }

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        try check(tjDecompressHeader3(handle, data, UInt(data.count), &width, &height, &subsampling, &colorspace), "header")
        guard width > 0, height > 0 else {
            // The header reader met an end of image before a frame: a tables-only stream ends
            // with its EOI marker, a cut-off file with whatever came before the cut.
            throw DataError.corrupt(file: source, reason: data.suffix(2).elementsEqual([0xFF, 0xD9])
                ? "JPEG holds tables but no image" : "truncated JPEG: the data ends before the image does")
        }
        let (pixelFormat, channels): (TJPF, Int)
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue): (pixelFormat, channels) = (TJPF_GRAY, 1)
        case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue): (pixelFormat, channels) = (TJPF_CMYK, 4)
        default: (pixelFormat, channels) = (TJPF_RGB, 3)
        }
        let (w, h) = scaledSize(Int(width), Int(height), minimumShorterSide: minimumShorterSide)
        guard w * h <= maximumPixelCount else {
            throw DataError.corrupt(file: source, reason: "JPEG of \(width)×\(height) pixels exceeds the limit of \(maximumPixelCount)")
        }
        guard codes(width: width, height: height, in: data) else {
            throw DataError.corrupt(file: source, reason: "JPEG of \(width)×\(height) pixels in \(data.count) bytes: too few bytes "
                                        + "for that many pixels (at most \(maximumJPEGPixelsPerByte) a byte)")
        }
        var status: Int32 = 0
        let decoded = Image(width: w, height: h, channels: channels) { out in
            status = tjDecompress2(handle, data, UInt(data.count), out.baseAddress, Int32(w), 0, Int32(h),
                                   Int32(pixelFormat.rawValue), 0)
        }
        try check(status, "image data")
        let image = channels == 4 ? decoded.invertedCMYKToRGB() : decoded
        return image.oriented(EXIFOrientation.of(jpeg: data))
    }

    /// The most pixels a JPEG may declare per byte of its data. Huffman coding spends at
    /// least a bit on every 8×8 block, so a real JPEG holds at most 512 pixels a byte; a
    /// file declaring far more (a tiny file claiming a huge image) is refused before its
    /// pixels are allocated.
    public static let maximumJPEGPixelsPerByte = 1024

    /// Whether `data` is long enough to code `width × height` pixels.
    static func codes(width: Int32, height: Int32, in data: [UInt8]) -> Bool {
        Int(width) * Int(height) <= data.count * maximumJPEGPixelsPerByte
    }

    /// The size TurboJPEG decodes `width × height` to: scaled by the smallest of 1/8, 1/4, 1/2
    /// that keeps the shorter side at least `minimumShorterSide` (and that TurboJPEG itself
    /// would pick for that size), else full size.
    static func scaledSize(_ width: Int, _ height: Int, minimumShorterSide: Int?) -> (Int, Int) {
        guard let minimum = minimumShorterSide else { return (width, height) }
        var count: Int32 = 0
        let factors = tjGetScalingFactors(&count).map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
        func scaled(_ d: Int, _ f: tjscalingfactor) -> Int { (d * Int(f.num) + Int(f.denom) - 1) / Int(f.denom) }
        for denominator in [8, 4, 2] {
            let candidate = tjscalingfactor(num: 1, denom: Int32(denominator))
            let (w, h) = (scaled(width, candidate), scaled(height, candidate))
            guard min(w, h) >= minimum else { continue }
            // tjDecompress2 takes the first (largest) factor whose result fits in w × h.
            let chosen = factors.first { scaled(width, $0) <= w && scaled(height, $0) <= h }
            if let f = chosen, f.num * Int32(denominator) == f.denom { return (w, h) }
        }
        return (width, height)
    }

    /// RGB from CMYK stored inverted (Adobe's convention, which libjpeg-turbo and PIL follow),
    /// with PIL's `cmyk2rgb` arithmetic on the uninverted values.
    func invertedCMYKToRGB() -> Image {
        pixels.withUnsafeBufferPointer { src in
            Image(width: width, height: height, channels: 3) { dst in
                for i in 0..<(width * height) {
                    let nk = Int(src[4 * i + 3])  // 255 − K
                    for c in 0..<3 {
                        let t = (255 - Int(src[4 * i + c])) * nk + 128
                        dst[3 * i + c] = UInt8(nk - (((t >> 8) + t) >> 8))
                    }
                }
            }
        }
    }
}
