import GraftCore

/// Per-channel normalisation applied when bytes become floats: `(v/255 − mean) / std`.
public struct Normalization: Sendable, Equatable, Codable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) { self.mean = mean; self.std = std }

    /// Fashion-MNIST's training-set statistics.
    public static let fashionMNIST = Normalization(mean: [0.2860], std: [0.3530])
    /// MNIST's training-set statistics.
    public static let mnist = Normalization(mean: [0.1307], std: [0.3081])
}

extension ImageSet {
    /// The images at `indices` as a float batch `[B, C, H + 2·padding, W + 2·padding]`,
    /// normalised, with a border of `padding` black pixels (LeNet-5 reads 28×28 digits
    /// padded to 32×32), and their labels.
    public func batch(_ indices: ArraySlice<Int>, padding: Int = 0, normalization: Normalization) -> (images: Tensor, labels: Tensor) {
        let (ph, pw) = (height + 2 * padding, width + 2 * padding)
        let plane = height * width
        let images = Tensor(uninitialized: [indices.count, channels, ph, pw])
        images.withUnsafeMutableFloats { out in
            for c in 0..<channels {
                let mean = normalization.mean[c % normalization.mean.count]
                let inv = 1 / normalization.std[c % normalization.std.count]
                let background = (0 - mean) * inv
                for (b, index) in indices.enumerated() {
                    let dst = (b * channels + c) * ph * pw
                    out.baseAddress!.advanced(by: dst).update(repeating: background, count: ph * pw)
                    let src = (index * channels + c) * plane
                    for y in 0..<height {
                        let row = dst + (y + padding) * pw + padding
                        for x in 0..<width {
                            out[row + x] = (Float(pixels[src + y * width + x]) * (1 / 255) - mean) * inv
                        }
                    }
                }
            }
        }
        return (images, Tensor(labels: indices.map { labels[$0] }))
    }
}

/// The order of samples in one epoch: a permutation drawn from (seed, epoch), cut into
/// batches. Every index appears exactly once; the last partial batch is kept unless `dropLast`.
public struct EpochOrder: Sequence, Sendable {
    public let batches: [ArraySlice<Int>]

    public init(count: Int, batchSize: Int, shuffle: Bool, seed: UInt64, epoch: Int, dropLast: Bool = false) {
        var order = Array(0..<count)
        if shuffle {
            var g = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
            order.shuffle(using: &g)
        }
        var batches: [ArraySlice<Int>] = []
        var start = 0
        while start < count {
            let end = Swift.min(start + batchSize, count)
            if end - start == batchSize || !dropLast { batches.append(order[start..<end]) }
            start = end
        }
        self.batches = batches
    }

    public func makeIterator() -> IndexingIterator<[ArraySlice<Int>]> { batches.makeIterator() }
}
