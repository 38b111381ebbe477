extension ToSample {
    /// The 8-bit image a normalised sample shows: `(v · std + mean) · 255`, rounded and clamped
    /// (for previews of what a pipeline does).
    public func picture(of sample: Sample) throws -> Image {
        let (c, h, w) = (sample.channels, sample.height, sample.width)
        var pixels = [UInt8](repeating: 0, count: c * h * w)
        for k in 0..<c {
            let (m, s) = (mean[k % mean.count], std[k % std.count])
            for i in 0..<(h * w) {
                let v = (sample.values[k * h * w + i] * s + m) * 255
                pixels[i * c + k] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        return try Image(width: w, height: h, channels: c, pixels: pixels)
    }
}
