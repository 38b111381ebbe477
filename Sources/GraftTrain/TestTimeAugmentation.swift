import GraftCore
import GraftData
import GraftModels

/// Test-time augmentation: the views of an image a model classifies, whose softmax
/// probabilities are then averaged. Every view is a `inputSize × inputSize` crop of the image
/// (converted to the model's channels) after resizing its shorter side with the model's
/// interpolation (PIL's antialiased bilinear or bicubic filter), as torchvision's `Resize`.
///
/// - `none`: the model's evaluation view, `Resize(resizeShorter)` then `CenterCrop(inputSize)` (1 view).
/// - `flip`: that view and its left–right mirror (2 views).
/// - `tenCrop`: torchvision's `TenCrop(inputSize)` after `Resize(resizeShorter)`: the four corner
///   crops (top-left, top-right, bottom-left, bottom-right) and the centre crop, then the same
///   five crops of the mirrored image (10 views).
/// - `multiScale`: centre crops after resizing the shorter side to `resizeShorter × 0.875`,
///   `resizeShorter` and `resizeShorter × 8/7` (rounded, and at least `inputSize`), each
///   followed by its mirror (6 views): 224, 256 and 293 for ImageNet's 256/224.
public enum TTA: String, CaseIterable, Codable, Sendable {
    case none, flip, tenCrop = "ten-crop", multiScale = "multi-scale"

    /// Views per image.
    public var viewCount: Int {
        switch self {
        case .none: return 1
        case .flip: return 2
        case .tenCrop: return 10
        case .multiScale: return 6
        }
    }

    /// The shorter sides `multiScale` resizes to for `preprocessing`.
    public static func multiScaleSides(_ preprocessing: Preprocessing) -> [Int] {
        [0.875, 1, 8.0 / 7].map { max(Int((Double(preprocessing.resizeShorter) * $0).rounded()), preprocessing.inputSize) }
    }

    /// The views of `image` for a model reading `preprocessing`, as 8-bit images in the order
    /// the type's documentation gives. Throws `GraftError.invalidArgument` for a preprocessing
    /// with a non-positive size, or for `tenCrop` when the crop is larger than the resized image.
    public func images(of image: Image, preprocessing p: Preprocessing) throws -> [Image] {
        let image = try image.converted(channels: p.channels)
        switch self {
        case .none:
            return [try image.resizeAndCenterCrop(shorterSide: p.resizeShorter, crop: p.inputSize, interpolation: p.interpolation)]
        case .flip:
            let view = try image.resizeAndCenterCrop(shorterSide: p.resizeShorter, crop: p.inputSize, interpolation: p.interpolation)
            return [view, view.mirrored()]
        case .tenCrop:
            let resized = try image.resize(shorterSide: p.resizeShorter, interpolation: p.interpolation)
            return try TTA.fiveCrop(resized, size: p.inputSize) + TTA.fiveCrop(resized.mirrored(), size: p.inputSize)
        case .multiScale:
            return try TTA.multiScaleSides(p).flatMap { side -> [Image] in
                let view = try image.resizeAndCenterCrop(shorterSide: side, crop: p.inputSize, interpolation: p.interpolation)
                return [view, view.mirrored()]
            }
        }
    }

    /// The views of `image` as one normalised tensor `[V, C, H, W]` (`V = viewCount`), each
    /// holding `(v / 255 − mean[c]) / std[c]` as torchvision's `ToTensor` and `Normalize`.
    public func views(of image: Image, preprocessing p: Preprocessing) throws -> Tensor {
        try Image.toTensor(images(of: image, preprocessing: p), mean: p.mean, std: p.std)
    }

    /// torchvision's `five_crop`: top-left, top-right, bottom-left, bottom-right, centre.
    static func fiveCrop(_ image: Image, size: Int) throws -> [Image] {
        let (w, h) = (image.width, image.height)
        guard size <= w, size <= h else {
            throw GraftError.invalidArgument(op: "`tta` ten-crop", detail: "crop \(size) is larger than the resized image \(w)×\(h)")
        }
        return [try image.cropped(top: 0, left: 0, height: size, width: size),
                try image.cropped(top: 0, left: w - size, height: size, width: size),
                try image.cropped(top: h - size, left: 0, height: size, width: size),
                try image.cropped(top: h - size, left: w - size, height: size, width: size),
                try image.centerCrop(size)]
    }
}
