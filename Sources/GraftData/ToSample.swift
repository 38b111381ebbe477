import GraftCore

/// The last image step of a pipeline: the 8-bit image as a float CHW `Sample` holding
/// `(v / 255 − mean[c]) / std[c]`, as torchvision's `ToTensor()` then `Normalize(mean, std)`
/// (the same values as `Image.toTensor(mean:std:)`).
public struct ToSample: Sendable, Equatable {
    public let mean: [Float]
    public let std: [Float]

    /// `mean` and `std` hold one value per channel, or one for all; no `std` may be zero.
    public init(mean: [Float] = [0], std: [Float] = [1]) throws {
        guard !mean.isEmpty, !std.isEmpty else { throw GraftError.invalidArgument(op: "ToSample", detail: "mean and std need values") }
        guard !std.contains(0) else { throw GraftError.invalidArgument(op: "ToSample", detail: "std \(std) contains a zero") }
        self.mean = mean; self.std = std
    }

    /// The 256 results of channel `k`'s byte values; throws when mean/std do not fit `channels`.
    func table(channels c: Int) throws -> [Float] {
        guard mean.count == c || mean.count == 1, std.count == c || std.count == 1 else {
            throw GraftError.invalidArgument(op: "ToSample", detail: "mean (\(mean.count) values) and std (\(std.count)) need 1 or \(c) values")
        }
        var table = [Float](repeating: 0, count: 256 * c)
        for k in 0..<c {
            let (m, s) = (mean[mean.count == 1 ? 0 : k], std[std.count == 1 ? 0 : k])
            for v in 0..<256 { table[k * 256 + v] = (Float(v) / 255 - m) / s }
        }
        return table
    }

    /// The normalised sample of `image`.
    public func apply(_ image: Image) throws -> Sample {
        let c = image.channels, plane = image.width * image.height
        let table = try table(channels: c)
        var values = [Float](repeating: 0, count: c * plane)
        image.pixels.withUnsafeBufferPointer { src in
            for k in 0..<c {
                for i in 0..<plane { values[k * plane + i] = table[k * 256 + Int(src[i * c + k])] }
            }
        }
        return Sample(channels: c, height: image.height, width: image.width, values: values)
    }
}
