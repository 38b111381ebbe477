import GraftCore

/// The samples of `base` at `indices`, in that order (torch's `Subset`).
public struct SubsetDataset: Dataset {
    public let base: any Dataset
    public let indices: [Int]

    /// Throws when an index is outside `base`.
    public init(base: any Dataset, indices: [Int]) throws {
        if let bad = indices.first(where: { $0 < 0 || $0 >= base.count }) {
            throw GraftError.invalidArgument(op: "SubsetDataset", detail: "index \(bad) is outside a data set of \(base.count) samples")
        }
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public var classNames: [String] { base.classNames }
    public func label(at index: Int) -> Int { base.label(at: indices[index]) }
    public func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        try base.image(at: indices[index], minimumShorterSide: minimumShorterSide)
    }
    /// The base data set's undecoded sample.
    public func encodedImage(at index: Int) throws -> EncodedImage? { try base.encodedImage(at: indices[index]) }
    public func source(at index: Int) -> String? { base.source(at: indices[index]) }
}

extension Dataset {
    /// Each sample's index in the data set under any `SubsetDataset`s (the IDX file, the CSV
    /// rows, the folder listing): the indices of a subset of a subset compose.
    public var rootIndices: [Int] {
        guard let subset = self as? SubsetDataset else { return Array(0..<count) }
        let base = subset.base.rootIndices
        return subset.indices.map { base[$0] }
    }
}
