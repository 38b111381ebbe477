extension Image {
    /// The box of `height × width` pixels whose top-left pixel is (`left`, `top`) resized to
    /// `outputWidth × outputHeight` with PIL's antialiased bilinear filter: torchvision's
    /// `F.resized_crop` on a PIL image (crop, then resize) without copying the box first. The
    /// box must lie inside the image.
    func resizedCrop(top: Int, left: Int, height: Int, width: Int, outputWidth ow: Int, outputHeight oh: Int) -> Image {
        precondition(top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= self.height && left + width <= self.width,
                     "resizedCrop: box outside the image")
        if width == ow && height == oh { return window(top: top, left: left, height: height, width: width) }
        let c = channels, stride = self.width * c
        let horizontal = width == ow ? nil : ResampleAxis(inputSize: width, outputSize: ow)
        let vertical = height == oh ? nil : ResampleAxis(inputSize: height, outputSize: oh)
        return pixels.withUnsafeBufferPointer { src in
            let origin = src.baseAddress! + (top * self.width + left) * c
            return Image(width: ow, height: oh, channels: c) { dst in
                let out = dst.baseAddress!
                guard let h = horizontal else {
                    // Only the height changes (both unchanged was copied above).
                    vertical!.resampleColumns(origin, sourceStride: stride, firstSourceRow: 0, rowLength: ow * c, outputs: 0..<oh,
                                              into: out, destinationStride: ow * c)
                    return
                }
                guard let v = vertical else {
                    h.resampleRows(origin, sourceStride: stride, rowCount: height, channels: c, outputs: 0..<ow,
                                   into: out, destinationStride: ow * c)
                    return
                }
                // PIL's horizontal pass over the box's rows, to 8 bits, then its vertical pass.
                let rows = UnsafeMutablePointer<UInt8>.allocate(capacity: height * ow * c)
                defer { rows.deallocate() }
                h.resampleRows(origin, sourceStride: stride, rowCount: height, channels: c, outputs: 0..<ow,
                               into: rows, destinationStride: ow * c)
                v.resampleColumns(rows, sourceStride: ow * c, firstSourceRow: 0, rowLength: ow * c, outputs: 0..<oh,
                                  into: out, destinationStride: ow * c)
            }
        }
    }
}
