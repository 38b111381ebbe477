/// A labelled collection of images that a loader can read by index, from any thread.
public protocol Dataset: Sendable {
    /// Number of samples.
    var count: Int { get }
    /// Class names; a label is an index into this list.
    var classNames: [String] { get }
    /// The label of sample `index`, without decoding it.
    func label(at index: Int) -> Int
    /// Decodes sample `index`. `minimumShorterSide` lets a JPEG decoder scale down while the
    /// result stays at least that size. Errors name the file at fault.
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image
    /// Sample `index` before decoding, the same image as `image(at:minimumShorterSide: nil)`
    /// once decoded, for pipelines that decode only the part they need; nil (the default)
    /// when the dataset has no such form.
    func encodedImage(at index: Int) throws -> EncodedImage?
    /// The file sample `index` comes from, for errors; nil (the default) when the samples
    /// are not files of their own (IDX).
    func source(at index: Int) -> String?
}

extension Dataset {
    public func encodedImage(at index: Int) throws -> EncodedImage? { nil }
    public func source(at index: Int) -> String? { nil }
}

extension Dataset {
    /// Samples per class, index = label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for i in 0..<count { counts[label(at: i)] += 1 }
        return counts
    }
}
