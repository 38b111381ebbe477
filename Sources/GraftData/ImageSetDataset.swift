/// An in-memory `ImageSet` (an IDX split, say) as a `Dataset`: `image(at:)` returns the
/// sample as an `Image` (grey for the MNIST family, interleaved for more channels).
public struct ImageSetDataset: Dataset {
    public let images: ImageSet

    public init(_ images: ImageSet) { self.images = images }

    public var count: Int { images.count }
    public var classNames: [String] { images.classNames }
    public func label(at index: Int) -> Int { images.labels[index] }

    /// The stored pixels; `minimumShorterSide` is ignored (nothing to decode).
    public func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        let (c, plane) = (images.channels, images.height * images.width)
        let start = index * c * plane
        if c == 1 { return try Image(width: images.width, height: images.height, channels: 1, pixels: Array(images.pixels[start..<start + plane])) }
        var pixels = [UInt8](repeating: 0, count: c * plane)
        for p in 0..<plane {
            for k in 0..<c { pixels[p * c + k] = images.pixels[start + k * plane + p] }
        }
        return try Image(width: images.width, height: images.height, channels: c, pixels: pixels)
    }
}

extension IDXDataset {
    /// The training split as a `Dataset`.
    public var trainDataset: ImageSetDataset { ImageSetDataset(train) }
    /// The test split as a `Dataset`.
    public var testDataset: ImageSetDataset { ImageSetDataset(test) }
}
