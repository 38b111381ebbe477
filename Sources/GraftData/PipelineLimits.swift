/// The bounds on the pipeline syntax's arguments (`Pipeline(spec:mean:std:)`), so that a
/// mistyped value is refused by name instead of exhausting memory or trapping.
extension Pipeline {
    /// The largest size, in pixels, a step may resize or crop to or pad by: 4096 × 4096 RGB
    /// is 48 MiB of bytes, 192 MiB of floats per sample.
    public static let maximumSide = 4096
    /// The most extreme aspect ratio a random box may have (random-resized-crop,
    /// random-erasing): from 1/100 to 100.
    public static let maximumRatio: Float = 100
    /// The largest rotation and affine angle, in degrees either way.
    public static let maximumDegrees: Float = 360
    /// The largest affine scale factor.
    public static let maximumScale: Float = 10
    /// The largest colour-jitter spread (brightness, contrast, saturation: factors 1 ± x)
    /// and PCA-lighting standard deviation.
    public static let maximumJitter: Float = 10
    /// The most cells per side of a grid distortion.
    public static let maximumGridSteps = 256
    /// The largest elastic displacement (alpha) and smoothing (sigma), in pixels.
    public static let maximumElasticPixels: Float = 1000
    /// The aspect ratios a random box may have: 1/`maximumRatio` … `maximumRatio`.
    static let aspectRatios = 1 / maximumRatio...maximumRatio
    /// The rotation and affine angles: ±`maximumDegrees`.
    static let angles = -maximumDegrees...maximumDegrees
    /// The shear angles: shears of ±90° or more have no inverse.
    static let shearAngles: ClosedRange<Float> = -89...89
    /// The colour-jitter spreads and PCA-lighting deviations: 0…`maximumJitter`.
    static let jitterSpreads = 0...maximumJitter
}
