import GraftData

/// How a training epoch splits its images into batches: the one definition that both trainers
/// and the length of the learning-rate schedule use. Full batches of `batchSize`, then the
/// remaining images as a smaller last batch, except a remainder of a single image after at
/// least one full batch, which is left out (BatchNorm cannot train on one value per channel;
/// the order is reshuffled every epoch, so no image is always the one left out).
struct TrainingBatches: Equatable {
    let images: Int
    let batchSize: Int

    /// Whether the last, one-image batch is left out.
    var dropsLast: Bool { images > batchSize && images % batchSize == 1 }

    /// Batches (optimizer steps) per epoch.
    var perEpoch: Int { images / batchSize + (images % batchSize == 0 || dropsLast ? 0 : 1) }

    /// The shuffled batches of epoch `epoch` (from 1) over indices `0..<images`.
    func order(epoch: Int, seed: UInt64) -> EpochOrder {
        EpochOrder(count: images, batchSize: batchSize, shuffle: true, seed: seed, epoch: epoch, dropLast: dropsLast)
    }
}
