import GraftCore

/// One augmentation or preprocessing step on an 8-bit image. A transform is a value; its
/// randomness comes from the per-sample generator it is given, so a sample gets the same
/// augmentation whatever thread or worker count computes it.
public protocol ImageTransform: Sendable {
    func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image

    /// The random parameters `apply` draws for an image of `width × height × channels`,
    /// drawn from `generator` as `apply` draws them, in the form the fused crop path
    /// (`Pipeline`) applies; nil when that path cannot stand in for this transform on such an
    /// image. The default is nil, without drawing.
    func drawnParameters(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) -> DrawnParameters?
}

extension ImageTransform {
    public func drawnParameters(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) -> DrawnParameters? { nil }
}

/// A step on the float sample, after normalisation (random erasing, for instance).
public protocol SampleTransform: Sendable {
    func apply(_ sample: inout Sample, using generator: inout RandomGenerator) throws
}

/// A float image, channels × height × width in row-major (CHW) order: what a network reads.
public struct Sample: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "Sample: \(values.count) values for \(channels)×\(height)×\(width)")
        self.channels = channels; self.height = height; self.width = width; self.values = values
    }
}

/// The generator of sample `index` in `epoch` of a run seeded with `seed`: the same three
/// numbers always give the same augmentation.
public func sampleGenerator(seed: UInt64, epoch: Int, index: Int) -> RandomGenerator {
    var mix = RandomGenerator(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
    let a = mix.next() &+ UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15
    return RandomGenerator(seed: a ^ (UInt64(truncatingIfNeeded: index) &* 0xC2B2_AE3D_27D4_EB4F))
}
