/// The random parameters one transform drew for one image, in the form the fused
/// crop–resize–flip–jitter path of `Pipeline` applies them: drawing apart from applying, as
/// torchvision v2's `make_params` and `transform`. A transform gives them through
/// `ImageTransform.drawnParameters(width:height:channels:using:)`; only GraftData's
/// transforms that the fused path can stand in for make them.
public struct DrawnParameters {
    enum Kind {
        /// Crop `box` of the image and resize it to `size × size`.
        case resizedCrop(box: (top: Int, left: Int, height: Int, width: Int), size: Int)
        /// Mirror left–right, or not.
        case mirror(Bool)
        /// A colour jitter's order and factors (no hue).
        case colorJitter(ColorJitterDraw)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }
}
