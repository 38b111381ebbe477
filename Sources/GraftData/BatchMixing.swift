import GraftCore

/// A batch whose images mix pairs of samples: sample `i` is `λ` parts sample `i` and
/// `1 − λ` parts sample `i − 1` (the batch rolled by one, as torchvision's references). A loss
/// is then `λ · CE(logits, labelsA) + (1 − λ) · CE(logits, labelsB)`.
public struct MixedBatch {
    public var images: Tensor
    /// The labels of the batch as it came.
    public var labelsA: Tensor
    /// The labels of the samples mixed in (the labels rolled by one).
    public var labelsB: Tensor
    /// The weight of `labelsA`.
    public var lambda: Float
    /// The dataset indices of the batch as it came.
    public var indices: [Int]
}

/// A transform of whole batches after the loader (MixUp, CutMix). Give it a generator seeded
/// per batch, for instance `sampleGenerator(seed: seed ^ k, epoch: epoch, index: batchNumber)`,
/// to make a run reproducible.
public protocol BatchTransform: Sendable {
    func apply(_ batch: Batch, using generator: inout RandomGenerator) throws -> MixedBatch
}

extension BatchTransform {
    /// Checks the batch is a float `[B, C, H, W]` with B labels, and returns B, C, H, W.
    func checkedShape(_ batch: Batch, op: String) throws -> (Int, Int, Int, Int) {
        let s = batch.images.shape
        guard s.count == 4, batch.images.dtype == .float32, batch.images.isRowMajor else {
            throw GraftError.invalidArgument(op: op, detail: "images must be a row-major float [B, C, H, W], got shape \(s)")
        }
        guard batch.labels.shape == [s[0]] else {
            throw GraftError.shapeMismatch(op: op, detail: "one label per image; images vs labels", lhs: s, rhs: batch.labels.shape)
        }
        return (s[0], s[1], s[2], s[3])
    }

    /// The batch's labels rolled by one: position i holds the label of sample i − 1.
    func rolledLabels(_ labels: Tensor) -> Tensor {
        let l = labels.labels
        return Tensor(labels: l.indices.map { l[($0 + l.count - 1) % l.count] })
    }
}

/// MixUp (Zhang et al., 2018): every image becomes `λ · x_i + (1 − λ) · x_{i−1}` with
/// λ ~ Beta(α, α) drawn once per batch.
public struct MixUp: BatchTransform {
    public let alpha: Float

    /// `alpha` must be positive (torchvision's references use 0.2 or 0.8).
    public init(alpha: Float = 0.2) throws {
        guard alpha > 0 else { throw GraftError.invalidArgument(op: "MixUp", detail: "alpha \(alpha) must be positive") }
        self.alpha = alpha
    }

    public func apply(_ batch: Batch, using generator: inout RandomGenerator) throws -> MixedBatch {
        let (b, c, h, w) = try checkedShape(batch, op: "MixUp")
        let lambda = Float(generator.beta(Double(alpha), Double(alpha)))
        let sampleSize = c * h * w
        let source = batch.images.toArray()
        let out = Tensor(uninitialized: batch.images.shape)
        out.withUnsafeMutableFloats { dst in
            for i in 0..<b {
                let j = (i + b - 1) % b
                for k in 0..<sampleSize {
                    dst[i * sampleSize + k] = lambda * source[i * sampleSize + k] + (1 - lambda) * source[j * sampleSize + k]
                }
            }
        }
        return MixedBatch(images: out, labelsA: batch.labels, labelsB: rolledLabels(batch.labels), lambda: lambda, indices: batch.indices)
    }
}

/// CutMix (Yun et al., 2019), as torchvision: λ ~ Beta(α, α); a box centred at a uniform
/// pixel, of half-sides ⌊W·r⌋ and ⌊H·r⌋ with r = √(1 − λ)/2, clipped to the image, is pasted
/// from sample i − 1 into every sample i; λ then becomes 1 − box area / image area.
public struct CutMix: BatchTransform {
    public let alpha: Float

    /// `alpha` must be positive (torchvision's references use 1.0).
    public init(alpha: Float = 1.0) throws {
        guard alpha > 0 else { throw GraftError.invalidArgument(op: "CutMix", detail: "alpha \(alpha) must be positive") }
        self.alpha = alpha
    }

    /// The box for a batch of `height × width` images: rows `y0..<y1`, columns `x0..<x1`,
    /// and the adjusted λ.
    public func box(height: Int, width: Int, using generator: inout RandomGenerator)
        -> (y0: Int, y1: Int, x0: Int, x1: Int, lambda: Float) {
        let drawn = generator.beta(Double(alpha), Double(alpha))
        let cx = Int(generator.next() % UInt64(width)), cy = Int(generator.next() % UInt64(height))
        let r = 0.5 * (1 - drawn).squareRoot()
        let halfW = Int(r * Double(width)), halfH = Int(r * Double(height))
        let x0 = max(cx - halfW, 0), x1 = min(cx + halfW, width)
        let y0 = max(cy - halfH, 0), y1 = min(cy + halfH, height)
        let area = Double((x1 - x0) * (y1 - y0))
        return (y0, y1, x0, x1, Float(1 - area / Double(width * height)))
    }

    public func apply(_ batch: Batch, using generator: inout RandomGenerator) throws -> MixedBatch {
        let (b, c, h, w) = try checkedShape(batch, op: "CutMix")
        let box = box(height: h, width: w, using: &generator)
        let sampleSize = c * h * w
        let out = batch.images.copy()
        let source = batch.images.toArray()
        out.withUnsafeMutableFloats { dst in
            for i in 0..<b {
                let j = (i + b - 1) % b
                for k in 0..<c {
                    for y in box.y0..<box.y1 {
                        let row = k * h * w + y * w
                        for x in box.x0..<box.x1 { dst[i * sampleSize + row + x] = source[j * sampleSize + row + x] }
                    }
                }
            }
        }
        return MixedBatch(images: out, labelsA: batch.labels, labelsB: rolledLabels(batch.labels), lambda: box.lambda, indices: batch.indices)
    }
}
