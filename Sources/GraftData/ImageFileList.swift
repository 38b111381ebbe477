/// A data set of image files with one label each (ImageFolder, CSV): counting, labels,
/// decoding and the undecoded bytes come from its `paths` and `labels`.
public protocol ImageFileList: Dataset {
    /// Each sample's file.
    var paths: [String] { get }
    /// Each sample's class index.
    var labels: [Int] { get }
}

extension ImageFileList {
    public var count: Int { paths.count }

    public func label(at index: Int) -> Int { labels[index] }
    public func source(at index: Int) -> String? { paths[index] }

    /// Decodes sample `index`; errors name its file.
    public func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        try Image(contentsOf: paths[index], minimumShorterSide: minimumShorterSide)
    }

    /// The bytes of sample `index`'s file, undecoded.
    public func encodedImage(at index: Int) throws -> EncodedImage? {
        EncodedImage(data: try readFile(paths[index]), source: paths[index])
    }
}
