/// One application's random choices of a `ColorJitter`: the order of its four ops
/// (0 brightness, 1 contrast, 2 saturation, 3 hue) and each op's factor, nil when it is off.
struct ColorJitterDraw: Equatable {
    var order: [Int]
    var brightness: Float?
    var contrast: Float?
    var saturation: Float?
    var hue: Float?

    /// The ops applied one after another, each as PIL computes it (the reference).
    func applied(to image: Image) -> Image {
        var out = image
        for op in order {
            switch op {
            case 0: if let brightness { out = ColorJitter.adjustBrightness(out, brightness) }
            case 1: if let contrast { out = ColorJitter.adjustContrast(out, contrast) }
            case 2: if let saturation { out = ColorJitter.adjustSaturation(out, saturation) }
            default: if let hue { out = ColorJitter.adjustHue(out, hue) }
            }
        }
        return out
    }

    /// `applied(to:)` followed by a per-channel byte table (`table[k * 256 + v]`, ToSample's)
    /// and an optional left–right mirror, written straight into a CHW float sample with the
    /// same values; nil when the draw has a hue change (not a per-byte map) or changes an
    /// image that is neither grey nor RGB.
    ///
    /// Brightness and contrast map each byte through a function of the byte alone (contrast's
    /// blend target, the mean grey level, is one number per image), so a run of them is one
    /// 256-entry table; saturation blends each pixel with its own grey level. The image is read
    /// once per contrast (for its mean, through the tables pending at that point) and once
    /// more to write the sample, instead of once per op with an image written after each.
    func sample(of image: Image, table: [Float], mirrored: Bool) -> Sample? {
        let c = image.channels, width = image.width, height = image.height, plane = width * height
        guard hue == nil, [1, 3].contains(c) || [brightness, contrast, saturation].allSatisfy({ $0 == nil }) else { return nil }
        // Only RGB saturation changes anything: a grey pixel blended with itself stays put.
        let saturation = c == 3 ? self.saturation : nil
        let split = saturation == nil ? order.count : order.firstIndex(of: 2)!
        return image.pixels.withUnsafeBufferPointer { src in
            let pixels = JitterPixels(src: src.baseAddress!, channels: c, width: width, height: height)
            // Folds the brightness and contrast ops of `ops` into `map`; a contrast blends with
            // the mean grey level of the image through `before`, `saturation` and the map so far.
            func fold(_ ops: ArraySlice<Int>, into map: inout ByteTable, before: ByteTable, saturation: Float?) {
                for op in ops {
                    if op == 0, let f = brightness {
                        map.blend(toward: 0, factor: f)
                    } else if op == 1, let f = contrast {
                        let sum = pixels.greySum(before: before, saturation: saturation, after: map)
                        map.blend(toward: ColorJitter.roundedMean(sum: sum, count: plane), factor: f)
                    }
                }
            }
            var before = ByteTable(), after = ByteTable()
            fold(order[..<split], into: &before, before: ByteTable(), saturation: nil)
            if split < order.count { fold(order[(split + 1)...], into: &after, before: before, saturation: saturation) }
            // The final table: `after`, then normalisation.
            var final = [Float](repeating: 0, count: 256 * c)
            for k in 0..<c { for v in 0..<256 { final[k * 256 + v] = table[k * 256 + Int(after.bytes[v])] } }
            let values = [Float](unsafeUninitializedCapacity: c * plane) { out, initialized in
                final.withUnsafeBufferPointer { final in
                    pixels.write(before: before, saturation: saturation, final: final.baseAddress!, mirrored: mirrored, into: out.baseAddress!)
                }
                initialized = c * plane
            }
            return Sample(channels: c, height: height, width: width, values: values)
        }
    }

    /// PIL's luma of one RGB pixel (`Image.convert("L")`).
    @inline(__always) static func grey(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int32(r) &* 19595 &+ Int32(g) &* 38470 &+ Int32(b) &* 7471 &+ 0x8000) >> 16)
    }
}

/// A map of byte values, built up op by op; starts as the identity.
struct ByteTable {
    private(set) var bytes = (0...255).map { UInt8($0) }
    private(set) var isIdentity = true

    /// Follows the map with PIL's blend of `a` and the value: `ColorJitter.blended(v, a, factor)`.
    mutating func blend(toward a: UInt8, factor: Float) {
        let interpolate = factor >= 0 && factor <= 1
        bytes = bytes.map { ColorJitter.blended($0, a, factor, interpolate: interpolate) }
        isIdentity = false
    }

    /// Runs `body` on the table's bytes.
    func withTable<R>(_ body: (TableByteMap) -> R) -> R { bytes.withUnsafeBufferPointer { body(TableByteMap($0.baseAddress!)) } }
}

/// A byte-to-byte map on the way through the fused jitter: the identity or a table (generic
/// parameters, so that each combination compiles to a loop of its own).
protocol ByteMap {
    func callAsFunction(_ v: UInt8) -> UInt8
}

struct IdentityByteMap: ByteMap {
    @inline(__always) func callAsFunction(_ v: UInt8) -> UInt8 { v }
}

struct TableByteMap: ByteMap {
    let table: UnsafePointer<UInt8>
    init(_ table: UnsafePointer<UInt8>) { self.table = table }
    @inline(__always) func callAsFunction(_ v: UInt8) -> UInt8 { table[Int(v)] }
}

/// The per-pixel step of the fused jitter: none, or `adjust_saturation`.
protocol PixelBlend {
    /// The RGB pixel `p` (lane 3 unused) after the step.
    func callAsFunction(_ p: SIMD4<Int32>) -> SIMD4<Int32>
}

struct NoSaturation: PixelBlend {
    @inline(__always) func callAsFunction(_ p: SIMD4<Int32>) -> SIMD4<Int32> { p }
}

/// PIL's `adjust_saturation(f)` of one pixel: each channel blended with the pixel's luma as
/// `ColorJitter.blended` blends (Float `a + f·(v − a)`, clipped, truncated), four lanes at
/// once. Clipping before truncating also covers PIL's unclipped case, `f` in 0...1, whose
/// results never leave 0...255.
struct Saturation: PixelBlend {
    let factor: SIMD4<Float>
    init(_ f: Float) { factor = SIMD4(repeating: f) }
    @inline(__always) func callAsFunction(_ p: SIMD4<Int32>) -> SIMD4<Int32> {
        let l = Int32(ColorJitterDraw.grey(UInt8(truncatingIfNeeded: p[0]), UInt8(truncatingIfNeeded: p[1]), UInt8(truncatingIfNeeded: p[2])))
        var x = SIMD4<Float>(repeating: Float(l)) + factor * SIMD4<Float>(p &- SIMD4(repeating: l))
        x.replace(with: 0, where: x .< 0)
        x.replace(with: 255, where: x .> 255)
        return truncatedToInt32(x)
    }
}

/// The 8-bit image (1 or 3 channels) the fused jitter reads.
struct JitterPixels {
    let src: UnsafePointer<UInt8>
    let channels: Int
    let width: Int
    let height: Int

    /// The sum of every pixel's grey level after `before`, saturation (when given) and `after`.
    func greySum(before: ByteTable, saturation: Float?, after: ByteTable) -> Int {
        func run<B: ByteMap, A: ByteMap>(_ b: B, _ a: A) -> Int {
            saturation.map { greySum(b, Saturation($0), a) } ?? greySum(b, NoSaturation(), a)
        }
        switch (before.isIdentity, after.isIdentity) {
        case (true, true): return run(IdentityByteMap(), IdentityByteMap())
        case (true, false): return after.withTable { run(IdentityByteMap(), $0) }
        case (false, true): return before.withTable { run($0, IdentityByteMap()) }
        case (false, false): return before.withTable { b in after.withTable { run(b, $0) } }
        }
    }

    func greySum<B: ByteMap, S: PixelBlend, A: ByteMap>(_ before: B, _ blend: S, _ after: A) -> Int {
        var sum = 0
        let count = width * height
        if channels == 1 {
            for i in 0..<count { sum &+= Int(after(before(src[i]))) }
            return sum
        }
        for i in 0..<count {
            let p = src + 3 * i
            let q = blend(SIMD4(Int32(before(p[0])), Int32(before(p[1])), Int32(before(p[2])), 0))
            sum &+= Int(ColorJitterDraw.grey(after(UInt8(truncatingIfNeeded: q[0])), after(UInt8(truncatingIfNeeded: q[1])),
                                             after(UInt8(truncatingIfNeeded: q[2]))))
        }
        return sum
    }

    /// Writes the CHW sample: each byte through `before`, each pixel saturated (when given),
    /// each byte through `final` (channel `k`'s 256 floats at `k * 256`), columns mirrored
    /// when asked.
    func write(before: ByteTable, saturation: Float?, final: UnsafePointer<Float>, mirrored: Bool, into out: UnsafeMutablePointer<Float>) {
        func run<B: ByteMap>(_ b: B) {
            if let f = saturation {
                write(b, Saturation(f), final: final, mirrored: mirrored, into: out)
            } else {
                write(b, NoSaturation(), final: final, mirrored: mirrored, into: out)
            }
        }
        if before.isIdentity { run(IdentityByteMap()) } else { before.withTable { run($0) } }
    }

    func write<B: ByteMap, S: PixelBlend>(_ before: B, _ blend: S, final: UnsafePointer<Float>, mirrored: Bool,
                                          into out: UnsafeMutablePointer<Float>) {
        let plane = width * height, step = mirrored ? -1 : 1, c = channels
        for y in 0..<height {
            let row = src + y * width * c
            var o = out + y * width + (mirrored ? width - 1 : 0)
            if c == 3 {
                let (t0, t1, t2) = (final, final + 256, final + 512)
                for x in 0..<width {
                    let p = row + 3 * x
                    let q = blend(SIMD4(Int32(before(p[0])), Int32(before(p[1])), Int32(before(p[2])), 0))
                    o[0] = t0[Int(q[0])]; o[plane] = t1[Int(q[1])]; o[2 * plane] = t2[Int(q[2])]
                    o += step
                }
            } else {
                for x in 0..<width {
                    for k in 0..<c { o[k * plane] = final[k * 256 + Int(before(row[c * x + k]))] }
                    o += step
                }
            }
        }
    }
}
