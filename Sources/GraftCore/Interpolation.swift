/// How a resize computes output pixels from input pixels: torchvision's `InterpolationMode`
/// on a PIL image. Image resizing (GraftData) applies it; a model's preprocessing
/// (GraftModels) records it.
public enum Interpolation: String, Sendable, CaseIterable, Codable {
    /// PIL's antialiased bilinear filter (torchvision's default).
    case bilinear
    /// PIL's antialiased bicubic filter (Keys' cubic with a = −0.5, support 2).
    case bicubic
    /// The mean of the input pixels each output pixel covers (`F.interpolate(mode="area")`,
    /// adaptive average pooling), rounded to nearest.
    case area
    /// The input pixel under the output pixel's centre, as PIL's NEAREST.
    case nearest
}
