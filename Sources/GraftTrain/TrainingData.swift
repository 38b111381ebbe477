import Foundation
import GraftCore
import GraftData

/// The data sets of a training run: training, validation and (when the data has one) test.
public struct TrainingData: Sendable {
    public let train: any Dataset
    public let validation: any Dataset
    public let test: (any Dataset)?
    /// Where the validation set came from, for the log.
    public let validationSource: String
    /// Files passed over while listing the data (hidden, not images).
    public let skippedFiles: [String]

    public var classNames: [String] { train.classNames }

    /// Opens `options.data`: an IDX directory (a stratified split of train-*, t10k-* is the
    /// test set), a CSV file (a stratified split) or an ImageFolder layout (its `val/`, or a
    /// stratified split; its `test/`), then
    /// keeps `perClass` training images per class and `valLimit` validation images. Throws,
    /// before any training, for fewer than two classes or a class with no training image.
    public init(_ options: TransferOptions) throws {
        var train: any Dataset, validation: any Dataset
        var test: (any Dataset)? = nil
        var skipped: [String] = []
        let splitName = "\(Int((options.valFraction * 100).rounded()))% stratified split of the training images"
        switch try DataSource(options.data) {
        case .csv(let csv):
            (train, validation) = try TrainingData.split(csv, options)
            validationSource = splitName
        case .idx(let idx):
            (train, validation) = try TrainingData.split(idx.trainDataset, options)
            test = idx.testDataset
            validationSource = splitName
        case .folders(let layout):
            skipped = layout.train.skippedFiles
            (train, validation) = try layout.trainAndValidation(validationFraction: options.valFraction, seed: options.seed)
            test = layout.test
            validationSource = layout.needsSplit ? splitName : "validation folder"
        }
        guard train.classNames.count >= 2 else {
            throw TrainingOptionError(.data, "'\(options.data)' has \(train.classNames.count) class; a classifier needs at least two")
        }
        if let perClass = options.perClass { train = try TrainingData.limit(train, perClass: perClass, seed: options.seed) }
        if let n = options.valLimit, n < validation.count {
            validation = try stratifiedSplit(validation, validationFraction: Double(n) / Double(validation.count), seed: options.seed).validation
        }
        let counts = train.classCounts
        if let empty = counts.firstIndex(of: 0) {
            throw TrainingOptionError(.data, "'\(options.data)': class '\(train.classNames[empty])' has no training image")
        }
        self.train = train; self.validation = validation; self.test = test; skippedFiles = skipped
    }

    private static func split(_ data: any Dataset, _ options: TransferOptions) throws -> (any Dataset, any Dataset) {
        let parts = try stratifiedSplit(data, validationFraction: options.valFraction, seed: options.seed)
        return (parts.train, parts.validation)
    }

    /// At most `perClass` samples of each class, chosen by a seeded shuffle, in index order.
    static func limit(_ data: any Dataset, perClass: Int, seed: UInt64) throws -> SubsetDataset {
        var byClass = [[Int]](repeating: [], count: data.classNames.count)
        for i in 0..<data.count { byClass[data.label(at: i)].append(i) }
        var kept: [Int] = []
        for (label, members) in byClass.enumerated() {
            var generator = RandomGenerator(seed: seed &+ 0x51ED_270B &* UInt64(label + 1))
            var shuffled = members
            shuffled.shuffle(using: &generator)
            kept += shuffled.prefix(perClass)
        }
        return try SubsetDataset(base: data, indices: kept.sorted())
    }

    /// Per-class loss weights inversely proportional to the class counts (sklearn's
    /// "balanced": n / (classes × count)).
    public func balancedClassWeights() -> [Float] {
        let counts = train.classCounts
        let total = Float(counts.reduce(0, +)), k = Float(counts.count)
        return counts.map { total / (k * Float(max($0, 1))) }
    }
}
