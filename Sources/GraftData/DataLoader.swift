import GraftCore

/// Turns a decoded image into a float sample (augmentation, then normalisation). Its
/// randomness must come from `generator` alone, which the loader derives from
/// (seed, epoch, index) with `sampleGenerator(seed:epoch:index:)`.
public typealias SampleMaker = @Sendable (_ image: Image, _ generator: inout RandomGenerator) throws -> Sample

/// A `SampleMaker` that starts from the undecoded image (`Pipeline.callAsFunction(_:using:)`
/// for an `EncodedImage` decodes only what its random crop needs). It must give the sample
/// the `SampleMaker` would give for the decoded image.
public typealias EncodedSampleMaker = @Sendable (_ encoded: EncodedImage, _ generator: inout RandomGenerator) throws -> Sample

/// One batch as the loader delivers it.
public struct Batch {
    /// `[B, C, H, W]`, row-major float32.
    public var images: Tensor
    /// `[B]` int32 class labels.
    public var labels: Tensor
    /// The dataset index of each sample, in batch order.
    public var indices: [Int]

    public init(images: Tensor, labels: Tensor, indices: [Int]) {
        self.images = images; self.labels = labels; self.indices = indices
    }
}

/// Reads a dataset in shuffled batches with worker threads that decode and augment ahead of
/// the consumer. Batches arrive in order and are bit-identical for a given seed whatever the
/// number of workers, because each sample's randomness comes from (seed, epoch, index) only.
///
///     let loader = try DataLoader(dataset: data, batchSize: 64, workers: 4, seed: 7, makeSample: maker)
///     let epoch = loader.epoch(0)
///     while let batch = try epoch.next() { … }
///
/// Errors: by default (`skipFailures == false`) the first failing sample ends the epoch and
/// `next()` throws `DataLoaderError.sampleFailed`, whose description includes the underlying
/// error (a decoder's error names the file). With `skipFailures`, failing samples are left out
/// of their batch and counted in `LoaderStatistics`.
public struct DataLoader: Sendable {
    public let dataset: any Dataset
    public let batchSize: Int
    /// Worker threads; 0 builds each batch synchronously in the consumer's thread.
    public let workers: Int
    /// Batches in flight at most, being built or ready and not yet taken (2 × workers unless
    /// given): bounds memory, and only that many workers can be busy at once.
    public let prefetch: Int
    public let shuffle: Bool
    /// Drop the last batch when it is smaller than `batchSize`.
    public let dropLast: Bool
    public let seed: UInt64
    /// Passed to `Dataset.image(at:minimumShorterSide:)` (lets a JPEG decoder scale down).
    public let minimumShorterSide: Int?
    /// Leave failing samples out (counted) instead of throwing.
    public let skipFailures: Bool
    public let makeSample: SampleMaker
    /// Used instead of `makeSample` for samples whose dataset has an `encodedImage(at:)`, when
    /// `minimumShorterSide` is nil.
    public let makeEncodedSample: EncodedSampleMaker?

    /// Throws `GraftError.invalidArgument` when `batchSize` or `prefetch` is not positive or
    /// `workers` is negative.
    public init(dataset: any Dataset, batchSize: Int, workers: Int = 0, prefetch: Int? = nil, shuffle: Bool = true,
                dropLast: Bool = false, seed: UInt64, minimumShorterSide: Int? = nil, skipFailures: Bool = false,
                makeEncodedSample: EncodedSampleMaker? = nil, makeSample: @escaping SampleMaker) throws {
        let prefetch = prefetch ?? max(2 * workers, 1)
        guard batchSize > 0, prefetch > 0, workers >= 0 else {
            throw GraftError.invalidArgument(op: "DataLoader",
                detail: "batch size \(batchSize) and prefetch \(prefetch) must be positive, workers \(workers) not negative")
        }
        self.dataset = dataset; self.batchSize = batchSize; self.workers = workers; self.prefetch = prefetch
        self.shuffle = shuffle; self.dropLast = dropLast; self.seed = seed
        self.minimumShorterSide = minimumShorterSide; self.skipFailures = skipFailures
        self.makeEncodedSample = makeEncodedSample; self.makeSample = makeSample
    }

    /// The dataset indices of each batch of `epoch`.
    public func order(epoch: Int) -> EpochOrder {
        EpochOrder(count: dataset.count, batchSize: batchSize, shuffle: shuffle, seed: seed, epoch: epoch, dropLast: dropLast)
    }

    /// Starts `epoch`: workers begin decoding at once. Dropping the returned value (or calling
    /// `cancel()`) stops its workers.
    public func epoch(_ epoch: Int) -> LoaderEpoch { LoaderEpoch(loader: self, epoch: epoch) }
}

/// A sample the loader could not produce.
public enum DataLoaderError: Error, CustomStringConvertible {
    /// Decoding or transforming sample `index` (from the file `source`, when it has one)
    /// failed with `underlying`.
    case sampleFailed(index: Int, source: String?, underlying: Error)

    /// Names the file (or, for samples that are not files, the index) and what went wrong.
    public var description: String {
        switch self {
        case let .sampleFailed(index, source, underlying):
            guard let source else { return "sample \(index): \(underlying)" }
            return SourcedError(source: source, underlying: underlying).description
        }
    }
}
