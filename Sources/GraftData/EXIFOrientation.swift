/// The EXIF orientation of a JPEG (tag 0x0112 of IFD0 in its APP1 "Exif" segment) and the
/// transposition that displays the image upright, as PIL's `ImageOps.exif_transpose`.
enum EXIFOrientation {
    /// The orientation 1…8 a JPEG's EXIF records; 1 (as stored) when there is none, or when
    /// the EXIF data is malformed or holds a value outside 1…8.
    static func of(jpeg data: [UInt8]) -> Int {
        var i = 2  // after SOI
        while i + 4 <= data.count, data[i] == 0xFF {
            let marker = data[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { i += 2; continue }  // no length
            if marker == 0xDA || marker == 0xD9 { break }  // scan data or end: no more headers
            let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
            let start = i + 4, end = i + 2 + length
            guard length >= 2, end <= data.count else { break }
            if marker == 0xE1, end - start >= 6, data[start..<start + 6].elementsEqual("Exif\0\0".utf8) {
                return orientation(tiff: data[(start + 6)..<end])
            }
            i = end
        }
        return 1
    }

    /// Tag 0x0112 of IFD0 in a TIFF structure (byte order mark, 42, IFD0 offset, entries).
    static func orientation(tiff: ArraySlice<UInt8>) -> Int {
        let base = tiff.startIndex
        guard tiff.count >= 8 else { return 1 }
        let little: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return 1
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= tiff.count else { return nil }
            let a = Int(tiff[base + o]), b = Int(tiff[base + o + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ o: Int) -> Int? {
            guard let lo = u16(little ? o : o + 2), let hi = u16(little ? o + 2 : o) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return 1 }
        for e in 0..<count {
            let entry = ifd + 2 + 12 * e
            guard let tag = u16(entry), let type = u16(entry + 2) else { return 1 }
            guard tag == 0x0112 else { continue }
            // SHORT (3) is the standard type; LONG (4) appears in the wild.
            let value = type == 3 ? u16(entry + 8) : type == 4 ? u32(entry + 8) : nil
            guard let v = value, (1...8).contains(v) else { return 1 }
            return v
        }
        return 1
    }
}

extension Image {
    /// The image transposed so that EXIF orientation `orientation` (1…8) shows upright:
    /// 2 mirrors left–right, 3 turns 180°, 4 mirrors top–bottom, 5 transposes, 6 turns 90°
    /// clockwise, 7 transverses, 8 turns 90° counter-clockwise. 1 leaves it as it is.
    func oriented(_ orientation: Int) -> Image {
        guard (2...8).contains(orientation) else { return self }
        let (w, h, c) = (width, height, channels)
        let swaps = orientation >= 5
        let (ow, oh) = swaps ? (h, w) : (w, h)
        // The source column and row of output pixel (x, y).
        let source: (Int, Int) -> (Int, Int)
        switch orientation {
        case 2: source = { x, y in (w - 1 - x, y) }
        case 3: source = { x, y in (w - 1 - x, h - 1 - y) }
        case 4: source = { x, y in (x, h - 1 - y) }
        case 5: source = { x, y in (y, x) }
        case 6: source = { x, y in (y, h - 1 - x) }
        case 7: source = { x, y in (w - 1 - y, h - 1 - x) }
        default: source = { x, y in (w - 1 - y, x) }
        }
        return pixels.withUnsafeBufferPointer { src in
            Image(width: ow, height: oh, channels: c) { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        let (sx, sy) = source(x, y)
                        let s = (sy * w + sx) * c, d = (y * ow + x) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
    }
}
