/// Labelled images held in memory as bytes, `count × channels × height × width`
/// (the MNIST family, small data sets).
public struct ImageSet: Sendable {
    public let pixels: [UInt8]
    public let labels: [Int]
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Class names, index = label.
    public let classNames: [String]

    public var count: Int { labels.count }

    public init(pixels: [UInt8], labels: [Int], channels: Int, height: Int, width: Int, classNames: [String]) {
        precondition(pixels.count == labels.count * channels * height * width, "ImageSet: pixel count does not fit")
        self.pixels = pixels; self.labels = labels
        self.channels = channels; self.height = height; self.width = width
        self.classNames = classNames
    }

    /// Samples per class, index = label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for l in labels where l < counts.count { counts[l] += 1 }
        return counts
    }
}
