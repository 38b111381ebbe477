import GraftCore

extension Image {
    /// torchvision's evaluation geometry, `Resize(shorterSide, interpolation)` then
    /// `CenterCrop(crop)`, with the same pixels as `resize(shorterSide:interpolation:)` followed
    /// by `centerCrop(_:)` but resampling only the pixels the crop keeps.
    public func resizeAndCenterCrop(shorterSide: Int, crop: Int, interpolation: Interpolation = .bilinear) throws -> Image {
        guard shorterSide > 0, crop > 0 else {
            throw GraftError.invalidArgument(op: "Image.resizeAndCenterCrop",
                                             detail: "shorter side \(shorterSide) and crop \(crop) must be positive")
        }
        let (w, h) = try resizedSize(shorterSide: shorterSide)
        let top = Image.centerCropOrigin(side: h, crop: crop), left = Image.centerCropOrigin(side: w, crop: crop)
        let rows = max(top, 0)..<min(top + crop, h), columns = max(left, 0)..<min(left + crop, w)
        return resized(width: w, height: h, rows: rows, columns: columns, interpolation: interpolation)
            .window(top: top - rows.lowerBound, left: left - columns.lowerBound, height: crop, width: crop)
    }
}
