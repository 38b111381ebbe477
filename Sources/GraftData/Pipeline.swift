import GraftCore

/// A preprocessing and augmentation pipeline: image transforms on the 8-bit image, then
/// `ToSample` (ToTensor + Normalize), then transforms on the float sample. A pipeline whose
/// image transforms draw a resized crop, then mirrors and a hue-free colour jitter
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

    /// The fused crop–resize–flip–jitter–normalise, when the image transforms' drawn
    /// parameters (`ImageTransform.drawnParameters`) are a resized crop first, then any
    /// mirrors and at most one colour jitter, in any order; nil otherwise, with `generator`
    /// untouched. Random choices are drawn in the transforms' order, as the unfused steps draw
    /// them; the flip and the jitter commute (the jitter treats every pixel alike), so both act
    /// on the resized crop at once, as it is written into the sample.
    func fusedSample(_ image: Image, using generator: inout RandomGenerator) throws -> Sample? {
        try fusedDraws(width: image.width, height: image.height, channels: image.channels, using: &generator)
            .map { fusedSample(image, $0) }
    }

    /// The fused path's random choices for an image of `width × height × channels`, each
    /// transform asked for its parameters in order; nil, with `generator` untouched, when the
    /// path does not apply.
    func fusedDraws(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) throws -> FusedDraws? {
        var drawing = generator
        var crop: (box: (top: Int, left: Int, height: Int, width: Int), size: Int)?
        var mirrored = false
        var jitter: ColorJitterDraw?
        for transform in imageTransforms {
            guard let drawn = transform.drawnParameters(width: width, height: height, channels: channels, using: &drawing) else { return nil }
            switch drawn.kind {
            case let .resizedCrop(box, size):
                guard crop == nil else { return nil }
                crop = (box, size)
            case let .mirror(m):
                guard crop != nil else { return nil }
                if m { mirrored.toggle() }
            case let .colorJitter(draw):
                guard crop != nil, jitter == nil else { return nil }
                jitter = draw
            }
        }
        guard let crop else { return nil }
        let table = try toSample.table(channels: channels)
        generator = drawing
        return FusedDraws(size: crop.size, box: crop.box, mirrored: mirrored, jitter: jitter ?? ColorJitterDraw(order: []), table: table)
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
