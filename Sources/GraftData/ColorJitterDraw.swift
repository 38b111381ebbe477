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
    /// same values; nil when the draw has a hue change (not a per-byte map).
    ///
    /// Brightness and contrast map each byte through a function of the byte alone (contrast's
    /// blend target, the mean grey level, is one number per image), so a run of them is one
    /// 256-entry table; saturation blends each pixel with its own grey level. The image is read
    /// once per contrast (for its mean, through the tables pending at that point) and once
    /// more to write the sample, instead of once per op with an image written after each.
    func sample(of image: Image, table: [Float], mirrored: Bool) -> Sample? {
        guard hue == nil else { return nil }
        let c = image.channels, width = image.width, height = image.height, plane = width * height
        // Only RGB saturation changes anything: a grey pixel blended with itself stays put.
        let saturation = c == 3 ? self.saturation : nil
        let split = saturation == nil ? order.count : order.firstIndex(of: 2)!
        let identity = (0...255).map { UInt8($0) }
        var values = [Float](repeating: 0, count: c * plane)
        return image.pixels.withUnsafeBufferPointer { src in
            // Folds the brightness and contrast ops of `ops` into `map`; each contrast takes the
            // mean grey level of the image `pixelMap` reads, through the map so far.
            func fold(_ ops: ArraySlice<Int>, into map: inout [UInt8], before: [UInt8], saturation: Float?) {
                for op in ops {
                    if op == 0, let f = brightness {
                        let interpolate = f >= 0 && f <= 1
                        map = map.map { ColorJitter.blended($0, 0, f, interpolate: interpolate) }
                    } else if op == 1, let f = contrast {
                        let mean = ColorJitterDraw.meanGrey(src, channels: c, before: before, saturation: saturation, after: map)
                        let interpolate = f >= 0 && f <= 1
                        map = map.map { ColorJitter.blended($0, mean, f, interpolate: interpolate) }
                    }
                }
            }
            var before = identity, after = identity
            fold(order[..<split], into: &before, before: identity, saturation: nil)
            if split < order.count { fold(order[(split + 1)...], into: &after, before: before, saturation: saturation) }
            // The final table: `after`, then normalisation.
            var final = [Float](repeating: 0, count: 256 * c)
            for k in 0..<c { for v in 0..<256 { final[k * 256 + v] = table[k * 256 + Int(after[v])] } }
            values.withUnsafeMutableBufferPointer { out in
                final.withUnsafeBufferPointer { final in
                    before.withUnsafeBufferPointer { before in
                        ColorJitterDraw.write(src, channels: c, width: width, height: height, before: before, saturation: saturation,
                                              final: final, mirrored: mirrored, into: out.baseAddress!)
                    }
                }
            }
            return Sample(channels: c, height: height, width: width, values: values)
        }
    }

    /// The rounded mean grey level of `src` mapped through `before`, saturated by `saturation`
    /// (when given) and mapped through `after`.
    static func meanGrey(_ src: UnsafeBufferPointer<UInt8>, channels c: Int, before: [UInt8], saturation: Float?,
                         after: [UInt8]) -> UInt8 {
        var sum = 0
        before.withUnsafeBufferPointer { before in
            after.withUnsafeBufferPointer { after in
                let p = src.baseAddress!, pixels = src.count / c
                if c == 1 {
                    for i in 0..<pixels { sum &+= Int(after[Int(before[Int(p[i])])]) }
                    return
                }
                if let f = saturation {
                    let interpolate = f >= 0 && f <= 1
                    for i in 0..<pixels {
                        let (r, g, b) = saturated(before[Int(p[3 * i])], before[Int(p[3 * i + 1])], before[Int(p[3 * i + 2])],
                                                  f, interpolate: interpolate)
                        sum &+= Int(grey(after[Int(r)], after[Int(g)], after[Int(b)]))
                    }
                } else {
                    for i in 0..<pixels {
                        sum &+= Int(grey(after[Int(before[Int(p[3 * i])])], after[Int(before[Int(p[3 * i + 1])])],
                                         after[Int(before[Int(p[3 * i + 2])])]))
                    }
                }
            }
        }
        return ColorJitter.roundedMean(sum: sum, count: src.count / c)
    }

    /// Writes the CHW sample: each byte through `before`, each pixel saturated (when given),
    /// each byte through `final` (channel `k`'s 256 floats at `k * 256`), columns mirrored when asked.
    static func write(_ src: UnsafeBufferPointer<UInt8>, channels c: Int, width: Int, height: Int, before: UnsafeBufferPointer<UInt8>,
                      saturation: Float?, final: UnsafeBufferPointer<Float>, mirrored: Bool, into out: UnsafeMutablePointer<Float>) {
        let plane = width * height, p = src.baseAddress!, before = before.baseAddress!, final = final.baseAddress!
        let step = mirrored ? -1 : 1
        for y in 0..<height {
            let row = p + y * width * c
            var o = out + y * width + (mirrored ? width - 1 : 0)
            if c == 3 {
                let (t0, t1, t2) = (final, final + 256, final + 512)
                if let f = saturation {
                    let interpolate = f >= 0 && f <= 1
                    for x in 0..<width {
                        let (r, g, b) = saturated(before[Int(row[3 * x])], before[Int(row[3 * x + 1])], before[Int(row[3 * x + 2])],
                                                  f, interpolate: interpolate)
                        o[0] = t0[Int(r)]; o[plane] = t1[Int(g)]; o[2 * plane] = t2[Int(b)]
                        o += step
                    }
                } else {
                    for x in 0..<width {
                        o[0] = t0[Int(before[Int(row[3 * x])])]; o[plane] = t1[Int(before[Int(row[3 * x + 1])])]
                        o[2 * plane] = t2[Int(before[Int(row[3 * x + 2])])]
                        o += step
                    }
                }
            } else {
                for x in 0..<width {
                    for k in 0..<c { o[k * plane] = final[k * 256 + Int(before[Int(row[c * x + k])])] }
                    o += step
                }
            }
        }
    }

    /// PIL's luma of one RGB pixel (`Image.convert("L")`).
    @inline(__always) static func grey(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int32(r) &* 19595 &+ Int32(g) &* 38470 &+ Int32(b) &* 7471 &+ 0x8000) >> 16)
    }

    /// One RGB pixel of `adjust_saturation(f)`: each channel blended with the pixel's luma.
    @inline(__always) static func saturated(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ f: Float, interpolate: Bool) -> (UInt8, UInt8, UInt8) {
        let l = grey(r, g, b)
        return (ColorJitter.blended(r, l, f, interpolate: interpolate), ColorJitter.blended(g, l, f, interpolate: interpolate),
                ColorJitter.blended(b, l, f, interpolate: interpolate))
    }
}
