import GraftCore

/// A random `height × width` window of the image padded with `padding` black pixels on every
/// side, as torchvision's `RandomCrop(size, padding, padding_mode="constant", fill=0)`: the
/// top row and left column are uniform over every position that fits.
public struct RandomCrop: ImageTransform, Equatable {
    public let width: Int
    public let height: Int
    public let padding: Int

    /// A random crop of `height × width` (`width` defaults to `height`) after `padding`.
    public init(height: Int, width: Int? = nil, padding: Int = 0) throws {
        let w = width ?? height
        guard height > 0, w > 0, padding >= 0 else {
            throw GraftError.invalidArgument(op: "RandomCrop", detail: "crop \(height)×\(w) must be positive and padding \(padding) not negative")
        }
        self.height = height; self.width = w; self.padding = padding
    }

    /// The crop's top-left corner in unpadded image coordinates (negative inside the padding);
    /// throws when the padded image is smaller than the crop.
    public func origin(imageWidth: Int, imageHeight: Int, using generator: inout RandomGenerator) throws -> (top: Int, left: Int) {
        let ph = imageHeight + 2 * padding, pw = imageWidth + 2 * padding
        guard ph >= height, pw >= width else {
            throw GraftError.invalidArgument(op: "RandomCrop", detail: "crop \(height)×\(width) is larger than the padded image \(ph)×\(pw)")
        }
        let top = Int.random(in: 0...(ph - height), using: &generator)
        let left = Int.random(in: 0...(pw - width), using: &generator)
        return (top - padding, left - padding)
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let (top, left) = try origin(imageWidth: image.width, imageHeight: image.height, using: &generator)
        return image.window(top: top, left: left, height: height, width: width)
    }
}

extension RandomCrop: SpecTransform {
    public static let specEntry = TransformEntry.image("random-crop", "a random window after zero padding on every side", [
        SpecParameter("size", .size, help: "N: N×N; WxH: W×H", writtenBare: true),
        SpecParameter("padding", .integer(0...Pipeline.maximumSide), default: "0", help: "zero pixels added on every side first"),
    ]) { a in
        let size = try a.size("size")
        return try RandomCrop(height: size.height, width: size.width, padding: a.integer("padding"))
    }

    public var specValues: [String]? { [specSize(width: width, height: height), "\(padding)"] }
}
