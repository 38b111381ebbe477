import GraftCore

extension Image {
    /// The image as a float tensor `[1, C, H, W]` holding `(v / 255 − mean[c]) / std[c]`, in
    /// Float arithmetic in that order, as torchvision's `ToTensor()` then `Normalize(mean, std)`.
    /// `mean` and `std` hold one value per channel, or one for all.
    public func toTensor(mean: [Float] = [0], std: [Float] = [1]) throws -> Tensor {
        try Image.toTensor([self], mean: mean, std: std)
    }

    /// A batch `[N, C, H, W]` of images that share their size and channel count, normalised as
    /// `toTensor(mean:std:)`.
    public static func toTensor(_ images: [Image], mean: [Float] = [0], std: [Float] = [1]) throws -> Tensor {
        let op = "Image.toTensor"
        guard let firstImage = images.first else {
            throw GraftError.invalidArgument(op: op, detail: "no images to batch")
        }
        let (c, h, w) = (firstImage.channels, firstImage.height, firstImage.width)
        for image in images where (image.channels, image.height, image.width) != (c, h, w) {
            throw GraftError.shapeMismatch(op: op, detail: "images in a batch must share their size; first image vs another",
                                           lhs: [c, h, w], rhs: [image.channels, image.height, image.width])
        }
        guard mean.count == c || mean.count == 1, std.count == c || std.count == 1 else {
            throw GraftError.invalidArgument(op: op, detail: "mean (\(mean.count) values) and std (\(std.count)) need 1 or \(c) values")
        }
        guard !std.contains(0) else {
            throw GraftError.invalidArgument(op: op, detail: "std \(std) contains a zero")
        }
        // Every byte value's result, per channel.
        var table = [Float](repeating: 0, count: 256 * c)
        for k in 0..<c {
            let (m, s) = (mean[mean.count == 1 ? 0 : k], std[std.count == 1 ? 0 : k])
            for v in 0..<256 { table[k * 256 + v] = (Float(v) / 255 - m) / s }
        }
        let plane = h * w
        let tensor = Tensor(uninitialized: [images.count, c, h, w])
        tensor.withUnsafeMutableFloats { out in
            table.withUnsafeBufferPointer { lut in
                for (n, image) in images.enumerated() {
                    image.pixels.withUnsafeBufferPointer { src in
                        for k in 0..<c {
                            let dst = out.baseAddress! + (n * c + k) * plane, channelTable = lut.baseAddress! + k * 256
                            for i in 0..<plane { dst[i] = channelTable[Int(src[i * c + k])] }
                        }
                    }
                }
            }
        }
        return tensor
    }
}
