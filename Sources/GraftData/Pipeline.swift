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
        var sample = try fusedSample(image, using: &generator) ?? unfusedImageSample(image, using: &generator)
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
    /// without hue (on a grey or RGB image), in any order; nil otherwise (before drawing anything). Random choices are
    /// drawn in the transforms' order, as the unfused steps draw them; the flip and the jitter
    /// commute (the jitter treats every pixel alike), so both act on the resized crop at once,
    /// as it is written into the sample.
    func fusedSample(_ image: Image, using generator: inout RandomGenerator) throws -> Sample? {
        guard let crop = imageTransforms.first as? RandomResizedCrop else { return nil }
        let rest = imageTransforms.dropFirst()
        let jitters = rest.compactMap { $0 as? ColorJitter }
        guard rest.allSatisfy({ $0 is HorizontalFlip || $0 is ColorJitter }), jitters.count <= 1,
              jitters.allSatisfy({ $0.hue == nil }), jitters.isEmpty || [1, 3].contains(image.channels) else { return nil }
        let table = try toSample.table(channels: image.channels)
        let b = crop.box(width: image.width, height: image.height, using: &generator)
        var mirrored = false
        var jitter = ColorJitterDraw(order: [])
        for transform in rest {
            if let flip = transform as? HorizontalFlip {
                if generator.nextFloat() < flip.p { mirrored.toggle() }
            } else if let colorJitter = transform as? ColorJitter {
                jitter = colorJitter.draw(using: &generator)
            }
        }
        let resized = image.resizedCrop(top: b.top, left: b.left, height: b.height, width: b.width,
                                        outputWidth: crop.size, outputHeight: crop.size)
        return jitter.sample(of: resized, table: table, mirrored: mirrored)
    }
}
