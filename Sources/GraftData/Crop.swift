import GraftCore

extension Image {
    /// The `height × width` window whose top-left pixel is column `left`, row `top`, as
    /// torchvision's `F.crop(img, top, left, height, width)`: parts outside the image are black.
    public func cropped(top: Int, left: Int, height h: Int, width w: Int) throws -> Image {
        guard h > 0, w > 0 else {
            throw GraftError.invalidArgument(op: "Image.cropped", detail: "crop \(h)×\(w) must be positive")
        }
        return window(top: top, left: left, height: h, width: w)
    }
}
