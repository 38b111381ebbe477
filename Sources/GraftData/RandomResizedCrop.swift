import Foundation
import GraftCore

/// A random box of the image resized (PIL bilinear) to `size × size`, as torchvision's
/// `RandomResizedCrop(size, scale, ratio)`: up to 10 attempts draw an area fraction uniform in
/// `scale` and a log-uniform aspect ratio in `ratio`; the first box that fits is placed
/// uniformly; when none fits, the centre crop of the whole image clamped to `ratio`.
public struct RandomResizedCrop: ImageTransform, Equatable {
    public let size: Int
    public let scale: ClosedRange<Float>
    public let ratio: ClosedRange<Float>

    public init(size: Int, scale: ClosedRange<Float> = 0.08...1, ratio: ClosedRange<Float> = 0.75...(4.0 / 3.0)) throws {
        guard size > 0, scale.lowerBound > 0, ratio.lowerBound > 0 else {
            throw GraftError.invalidArgument(op: "RandomResizedCrop", detail: "size \(size), scale \(scale) and ratio \(ratio) must be positive")
        }
        self.size = size; self.scale = scale; self.ratio = ratio
    }

    /// The box to crop from an image of `width × height` (torchvision's `get_params`).
    public func box(width: Int, height: Int, using generator: inout RandomGenerator) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(width * height)
        let logLow = Float(log(Double(ratio.lowerBound))), logHigh = Float(log(Double(ratio.upperBound)))
        for _ in 0..<10 {
            let target = area * Double(generator.uniform(scale.lowerBound, scale.upperBound))
            let aspect = exp(Double(generator.uniform(logLow, logHigh)))
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let top = Int.random(in: 0...(height - h), using: &generator)
                let left = Int.random(in: 0...(width - w), using: &generator)
                return (top, left, h, w)
            }
        }
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        if inRatio < Double(ratio.lowerBound) {
            h = Int((Double(w) / Double(ratio.lowerBound)).rounded(.toNearestOrEven))
        } else if inRatio > Double(ratio.upperBound) {
            w = Int((Double(h) * Double(ratio.upperBound)).rounded(.toNearestOrEven))
        }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let b = box(width: image.width, height: image.height, using: &generator)
        return image.resizedCrop(top: b.top, left: b.left, height: b.height, width: b.width, outputWidth: size, outputHeight: size)
    }

    /// The box `apply` would crop, resized to `size × size`.
    public func drawnParameters(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) -> DrawnParameters? {
        DrawnParameters(.resizedCrop(box: box(width: width, height: height, using: &generator), size: size))
    }
}

extension RandomResizedCrop: SpecTransform {
    public static let specEntry = TransformEntry.image("random-resized-crop", "a random box (area fraction, aspect ratio), resized to size×size", [
        SpecParameter("size", .integer(1...Pipeline.maximumSide), help: "the output's side", writtenBare: true),
        SpecParameter("scale", .range(0.001...1, symmetric: false), default: "0.08-1", help: "the box's area as a fraction of the image's"),
        SpecParameter("ratio", .range(Pipeline.aspectRatios, symmetric: false), default: "0.75-1.3333334",
                      help: "the box's aspect ratio (width / height), drawn log-uniformly"),
    ]) { a in
        try RandomResizedCrop(size: a.integer("size"), scale: a.range("scale"), ratio: a.range("ratio"))
    }

    public var specValues: [String]? { ["\(size)", specRange(scale), specRange(ratio)] }
}
