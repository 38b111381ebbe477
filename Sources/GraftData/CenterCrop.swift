import GraftCore

extension Image {
    /// The central `size × size` square, as torchvision's `CenterCrop(size)`.
    public func centerCrop(_ size: Int) throws -> Image {
        try centerCrop(height: size, width: size)
    }

    /// The central `height × width` window, as torchvision's `CenterCrop((height, width))`:
    /// the top row is `Int(round((self.height − height) / 2))` with Python's round-half-to-even
    /// (likewise the left column); a crop larger than the image pads it with black first,
    /// `(crop − side) / 2` (rounded down) before and the rest after.
    public func centerCrop(height ch: Int, width cw: Int) throws -> Image {
        guard ch > 0, cw > 0 else {
            throw GraftError.invalidArgument(op: "Image.centerCrop", detail: "crop \(ch)×\(cw) must be positive")
        }
        return window(top: Image.centerCropOrigin(side: height, crop: ch),
                      left: Image.centerCropOrigin(side: width, crop: cw), height: ch, width: cw)
    }

    /// Where torchvision's centre crop of `crop` starts along a side of length `side`
    /// (negative: the crop starts in the padding).
    static func centerCropOrigin(side: Int, crop: Int) -> Int {
        crop > side ? -((crop - side) / 2) : Int((Double(side - crop) / 2).rounded(.toNearestOrEven))
    }

    /// The `height × width` window whose top-left pixel is (`left`, `top`) of this image;
    /// parts outside the image are black.
    func window(top: Int, left: Int, height wh: Int, width ww: Int) -> Image {
        if top == 0 && left == 0 && wh == height && ww == width { return self }
        let c = channels
        let firstRow = max(top, 0), firstColumn = max(left, 0)
        let rows = firstRow..<max(min(top + wh, height), firstRow), columns = firstColumn..<max(min(left + ww, width), firstColumn)
        return pixels.withUnsafeBufferPointer { src in
            Image(width: ww, height: wh, channels: c) { dst in
                if rows.count != wh || columns.count != ww { dst.update(repeating: 0) }
                guard !rows.isEmpty, !columns.isEmpty else { return }
                let span = columns.count * c
                for y in rows {
                    let s = (y * width + columns.lowerBound) * c
                    let d = ((y - top) * ww + columns.lowerBound - left) * c
                    UnsafeMutableRawPointer(dst.baseAddress! + d).copyMemory(from: src.baseAddress! + s, byteCount: span)
                }
            }
        }
    }
}
