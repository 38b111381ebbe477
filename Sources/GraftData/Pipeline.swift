import GraftCore

/// A preprocessing and augmentation pipeline: image transforms on the 8-bit image, then
/// `ToSample` (ToTensor + Normalize), then transforms on the float sample. A pipeline whose
/// image transforms are `RandomResizedCrop` then horizontal flips and a hue-free `ColorJitter`
/// (torchvision's standard training augmentation) takes a fused path with the same result.
public struct Pipeline: Sendable {
    public let imageTransforms: [any ImageTransform]
    public let toSample: ToSample
    public let sampleTransforms: [any SampleTransform]

    public init(imageTransforms: [any ImageTransform], toSample: ToSample, sampleTransforms: [any SampleTransform] = []) {
        self.imageTransforms = imageTransforms; self.toSample = toSample; self.sampleTransforms = sampleTransforms
    }

    /// The sample of `image`, drawing every random choice from `generator`.
    public func callAsFunction(_ image: Image, using generator: inout RandomGenerator) throws -> Sample {
        let sample = try fusedSample(image, using: &generator) ?? unfusedImageSample(image, using: &generator)
        return try applySampleTransforms(sample, using: &generator)
    }

    /// The sample of `encoded`, the same as of `encoded.decode()`; on the fused path only the
    /// part of the image around the random crop is decoded (`EncodedImage.decode(top:left:height:width:)`).
    public func callAsFunction(_ encoded: EncodedImage, using generator: inout RandomGenerator) throws -> Sample {
        guard let whole = encoded.partialDecoding,
              let draws = try fusedDraws(width: whole.width, height: whole.height, channels: whole.channels, using: &generator) else {
            return try self(try encoded.decode(), using: &generator)
        }
        let b = draws.box
        let part = try encoded.decode(top: b.top, left: b.left, height: b.height, width: b.width)
        let sample = fusedSample(part.image, draws, origin: (part.top, part.left))
        return try applySampleTransforms(sample, using: &generator)
    }

    func applySampleTransforms(_ sample: Sample, using generator: inout RandomGenerator) throws -> Sample {
        var sample = sample
        for transform in sampleTransforms { try transform.apply(&sample, using: &generator) }
        return sample
    }

    /// The image transforms one by one, then `toSample`.
    func unfusedImageSample(_ image: Image, using generator: inout RandomGenerator) throws -> Sample {
        var image = image
        for transform in imageTransforms { image = try transform.apply(image, using: &generator) }
        return try toSample.apply(image)
    }

    /// The fused crop–resize–flip–jitter–normalise, when the image transforms are
    /// `RandomResizedCrop` followed by any `HorizontalFlip`s and at most one `ColorJitter`
    /// without hue (on a grey or RGB image), in any order; nil otherwise (before drawing
    /// anything). Random choices are drawn in the transforms' order, as the unfused steps draw
    /// them; the flip and the jitter commute (the jitter treats every pixel alike), so both act
    /// on the resized crop at once, as it is written into the sample.
    func fusedSample(_ image: Image, using generator: inout RandomGenerator) throws -> Sample? {
        try fusedDraws(width: image.width, height: image.height, channels: image.channels, using: &generator)
            .map { fusedSample(image, $0) }
    }

    /// The fused path's random choices for an image of `width × height × channels`, drawn in
    /// the transforms' order; nil, before drawing anything, when the path does not apply.
    func fusedDraws(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) throws -> FusedDraws? {
        guard let crop = imageTransforms.first as? RandomResizedCrop else { return nil }
        let rest = imageTransforms.dropFirst()
        let jitters = rest.compactMap { $0 as? ColorJitter }
        guard rest.allSatisfy({ $0 is HorizontalFlip || $0 is ColorJitter }), jitters.count <= 1,
              jitters.allSatisfy({ $0.hue == nil }), jitters.isEmpty || [1, 3].contains(channels) else { return nil }
        let table = try toSample.table(channels: channels)
        let box = crop.box(width: width, height: height, using: &generator)
        var mirrored = false
        var jitter = ColorJitterDraw(order: [])
        for transform in rest {
            if let flip = transform as? HorizontalFlip {
                if generator.nextFloat() < flip.p { mirrored.toggle() }
            } else if let colorJitter = transform as? ColorJitter {
                jitter = colorJitter.draw(using: &generator)
            }
        }
        return FusedDraws(size: crop.size, box: box, mirrored: mirrored, jitter: jitter, table: table)
    }

    /// The fused sample of `image`, whose top-left pixel is pixel `origin` of the image the
    /// draws were made for (a part of it that holds the crop box).
    func fusedSample(_ image: Image, _ draws: FusedDraws, origin: (top: Int, left: Int) = (0, 0)) -> Sample {
        let b = draws.box
        let resized = image.resizedCrop(top: b.top - origin.top, left: b.left - origin.left, height: b.height, width: b.width,
                                        outputWidth: draws.size, outputHeight: draws.size)
        return draws.jitter.sample(of: resized, table: draws.table, mirrored: draws.mirrored)!
    }
}

/// The random choices of the fused crop–flip–jitter path for one sample.
struct FusedDraws {
    var size: Int
    var box: (top: Int, left: Int, height: Int, width: Int)
    var mirrored: Bool
    var jitter: ColorJitterDraw
    /// `ToSample`'s byte table for the image's channels.
    var table: [Float]
}
