import GraftCore

/// The central `height × width` window, as torchvision's `CenterCrop` (black padding where the
/// crop is larger than the image).
public struct CenterCrop: ImageTransform, Equatable {
    public let width: Int
    public let height: Int

    /// A centre crop of `height × width` (`width` defaults to `height`: a square).
    public init(height: Int, width: Int? = nil) throws {
        let w = width ?? height
        guard height > 0, w > 0 else { throw GraftError.invalidArgument(op: "CenterCrop", detail: "crop \(height)×\(w) must be positive") }
        self.height = height; self.width = w
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        try image.centerCrop(height: height, width: width)
    }
}

extension CenterCrop: SpecTransform {
    public static let specEntry = TransformEntry.image("center-crop", "the central window (black padding where the image is smaller)", [
        SpecParameter("size", .size, help: "N: N×N; WxH: W×H", writtenBare: true),
    ]) { a in
        let size = try a.size("size")
        return try CenterCrop(height: size.height, width: size.width)
    }

    public var specValues: [String]? { [specSize(width: width, height: height)] }
}
