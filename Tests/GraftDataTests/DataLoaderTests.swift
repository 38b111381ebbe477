import XCTest
import GraftCore
@testable import GraftData

final class DataLoaderTests: XCTestCase {
    /// Every batch of `epoch` as plain values.
    private func collect(_ loader: DataLoader, epoch: Int) throws -> [(images: [Float], shape: [Int], labels: [Int], indices: [Int])] {
        var out: [(images: [Float], shape: [Int], labels: [Int], indices: [Int])] = []
        let batches = loader.epoch(epoch)
        while let batch = try batches.next() {
            out.append((batch.images.toArray(), batch.images.shape, batch.labels.labels, batch.indices))
        }
        return out
    }

    func testSameBatchesWhateverTheNumberOfWorkers() throws {
        let data = SyntheticImages(count: 37)
        func loader(_ workers: Int) throws -> DataLoader {
            try DataLoader(dataset: data, batchSize: 5, workers: workers, prefetch: 2, seed: 11, makeSample: randomCropSample)
        }
        for epoch in 0..<2 {
            let reference = try collect(try loader(0), epoch: epoch)
            XCTAssertEqual(reference.count, 8)
            for workers in [1, 2, 4] {
                let batches = try collect(try loader(workers), epoch: epoch)
                XCTAssertEqual(batches.count, reference.count, "\(workers) workers")
                for (a, b) in zip(batches, reference) {
                    XCTAssertEqual(a.indices, b.indices, "\(workers) workers, epoch \(epoch)")
                    XCTAssertEqual(a.labels, b.labels)
                    XCTAssertEqual(a.shape, b.shape)
                    XCTAssertEqual(a.images.map(\.bitPattern), b.images.map(\.bitPattern), "\(workers) workers, epoch \(epoch)")
                }
            }
        }
        // Labels follow the indices, and the shape is [B, C, H, W].
        let first = try collect(try loader(2), epoch: 0)[0]
        XCTAssertEqual(first.labels, first.indices.map { $0 % 3 })
        XCTAssertEqual(first.shape, [5, 3, 8, 8])
    }

    func testSeedChangesTheAugmentation() throws {
        let data = SyntheticImages(count: 6)
        let a = try collect(try DataLoader(dataset: data, batchSize: 6, shuffle: false, seed: 1, makeSample: randomCropSample), epoch: 0)
        let b = try collect(try DataLoader(dataset: data, batchSize: 6, shuffle: false, seed: 2, makeSample: randomCropSample), epoch: 0)
        XCTAssertEqual(a[0].indices, b[0].indices)
        XCTAssertNotEqual(a[0].images, b[0].images)
    }

    func testEveryIndexExactlyOncePerEpoch() throws {
        let data = SyntheticImages(count: 23)
        for workers in [0, 3] {
            let kept = try collect(try DataLoader(dataset: data, batchSize: 4, workers: workers, seed: 5, makeSample: randomCropSample), epoch: 0)
            XCTAssertEqual(kept.map(\.indices.count), [4, 4, 4, 4, 4, 3])
            XCTAssertEqual(kept.flatMap(\.indices).sorted(), Array(0..<23))
            XCTAssertEqual(kept.last!.shape, [3, 3, 8, 8])

            let dropped = try collect(try DataLoader(dataset: data, batchSize: 4, workers: workers, dropLast: true, seed: 5,
                                                     makeSample: randomCropSample), epoch: 0)
            XCTAssertEqual(dropped.map(\.indices.count), [4, 4, 4, 4, 4])
            let seen = dropped.flatMap(\.indices)
            XCTAssertEqual(Set(seen).count, 20)
            XCTAssertEqual(seen, Array(kept.flatMap(\.indices).prefix(20)))
        }
    }

    func testEpochsShuffleDifferently() throws {
        let loader = try DataLoader(dataset: SyntheticImages(count: 40), batchSize: 8, workers: 2, seed: 3, makeSample: randomCropSample)
        let orders = try (0..<3).map { try collect(loader, epoch: $0).flatMap(\.indices) }
        XCTAssertNotEqual(orders[0], orders[1])
        XCTAssertNotEqual(orders[1], orders[2])
        XCTAssertNotEqual(orders[0], Array(0..<40))
        for order in orders { XCTAssertEqual(order.sorted(), Array(0..<40)) }
        let unshuffled = try DataLoader(dataset: SyntheticImages(count: 40), batchSize: 8, shuffle: false, seed: 3, makeSample: randomCropSample)
        XCTAssertEqual(try collect(unshuffled, epoch: 1).flatMap(\.indices), Array(0..<40))
    }

    func testEarlyStopLeavesNoWorkersRunning() throws {
        XCTAssertEqual(LiveWorkers.shared.count, 0)
        let loader = try DataLoader(dataset: SyntheticImages(count: 400), batchSize: 8, workers: 4, prefetch: 3, seed: 9,
                                    makeSample: randomCropSample)
        do {
            var consumed = 0
            for batch in loader.epoch(0) {
                XCTAssertEqual(batch.indices.count, 8)
                consumed += 1
                XCTAssertEqual(LiveWorkers.shared.count, 4)
                if consumed == 2 { break }
            }
            XCTAssertEqual(consumed, 2)
        }
        XCTAssertEqual(LiveWorkers.shared.count, 0, "dropping the iterator stops and joins the workers")

        let epoch = loader.epoch(1)
        XCTAssertNotNil(try epoch.next())
        epoch.cancel()
        XCTAssertEqual(LiveWorkers.shared.count, 0, "cancel() stops and joins the workers")
        XCTAssertNil(try epoch.next())

        // Running to the end also leaves none.
        _ = try collect(try DataLoader(dataset: SyntheticImages(count: 20), batchSize: 8, workers: 3, seed: 9,
                                       makeSample: randomCropSample), epoch: 0)
        XCTAssertEqual(LiveWorkers.shared.count, 0)
    }

    func testWorkerErrorNamesTheFile() throws {
        let paths = try makePNGFolder(count: 9, broken: (name: "broken.png", position: 5))
        for workers in [0, 1, 2] {
            let loader = try DataLoader(dataset: ImageFiles(paths: paths), batchSize: 3, workers: workers, shuffle: false, seed: 0,
                                        makeSample: randomCropSample)
            let epoch = loader.epoch(0)
            XCTAssertEqual(try epoch.next()?.indices, [0, 1, 2], "the batch before the broken file arrives")
            XCTAssertThrowsError(try epoch.next(), "\(workers) workers") { error in
                XCTAssertTrue("\(error)".contains("broken.png"), "\(error)")
                guard case DataLoaderError.sampleFailed(let index, _, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(index, 5)
            }
            XCTAssertNil(try epoch.next(), "the epoch ends at the error")
            XCTAssertEqual(LiveWorkers.shared.count, 0)
        }

        // The Sequence form ends the loop and keeps the error.
        let loader = try DataLoader(dataset: ImageFiles(paths: paths), batchSize: 3, workers: 2, shuffle: false, seed: 0,
                                    makeSample: randomCropSample)
        let epoch = loader.epoch(0)
        var seen = 0
        for batch in epoch { seen += batch.indices.count }
        XCTAssertEqual(seen, 3)
        XCTAssertTrue("\(epoch.error.map { "\($0)" } ?? "none")".contains("broken.png"))
    }

    func testSkippedFailuresAreCounted() throws {
        let paths = try makePNGFolder(count: 7, broken: (name: "broken.png", position: 2))
        let loader = try DataLoader(dataset: ImageFiles(paths: paths), batchSize: 3, workers: 2, shuffle: false, seed: 0,
                                    skipFailures: true, makeSample: randomCropSample)
        let epoch = loader.epoch(0)
        var indices: [Int] = []
        while let batch = try epoch.next() {
            XCTAssertEqual(batch.images.shape[0], batch.indices.count)
            indices += batch.indices
        }
        XCTAssertEqual(indices, [0, 1, 3, 4, 5, 6, 7])
        let stats = epoch.statistics
        XCTAssertEqual(stats.skipped, 1)
        XCTAssertEqual(stats.skippedSamples.count, 1)
        XCTAssertTrue(stats.skippedSamples[0].contains("broken.png"), stats.skippedSamples[0])
        XCTAssertEqual(stats.samples, 7)
        XCTAssertEqual(stats.batches, 3)

        // A batch whose every sample fails is left out.
        let allBad = SyntheticImages(count: 9, failing: [3, 4, 5])
        let skipping = try DataLoader(dataset: allBad, batchSize: 3, workers: 1, shuffle: false, seed: 0, skipFailures: true,
                                      makeSample: randomCropSample)
        XCTAssertEqual(try collect(skipping, epoch: 0).map(\.indices), [[0, 1, 2], [6, 7, 8]])
    }

    func testStatisticsCountWaiting() throws {
        let loader = try DataLoader(dataset: SyntheticImages(count: 30), batchSize: 4, workers: 2, seed: 1, makeSample: randomCropSample)
        let epoch = loader.epoch(0)
        XCTAssertEqual(epoch.batchCount, 8)
        while try epoch.next() != nil {}
        let stats = epoch.statistics
        XCTAssertEqual(stats.batches, 8)
        XCTAssertEqual(stats.samples, 30)
        XCTAssertEqual(stats.skipped, 0)
        XCTAssertGreaterThan(stats.waitSeconds, 0)
        XCTAssertLessThanOrEqual(stats.waitSeconds, stats.elapsedSeconds)
        XCTAssertTrue((0...1).contains(stats.waitFraction))
    }

    func testSamplesOfDifferentShapesInABatchThrow() throws {
        let varying: SampleMaker = { image, _ in
            Sample(channels: 1, height: 1, width: image.width, values: [Float](repeating: 0, count: image.width))
        }
        let loader = try DataLoader(dataset: SyntheticImages(count: 4), batchSize: 4, shuffle: false, seed: 0, makeSample: varying)
        XCTAssertThrowsError(try loader.epoch(0).next()) { error in
            XCTAssertTrue("\(error)".contains("share their shape"), "\(error)")
        }
    }

    func testPrefetchBoundsTheWorkAhead() throws {
        let progress = Progress()
        let loader = try DataLoader(dataset: RecordingImages(inner: SyntheticImages(count: 60), progress: progress), batchSize: 1,
                                    workers: 4, prefetch: 2, shuffle: false, seed: 0, makeSample: randomCropSample)
        XCTAssertEqual(try DataLoader(dataset: SyntheticImages(count: 2), batchSize: 1, workers: 3, seed: 0,
                                      makeSample: randomCropSample).prefetch, 6, "2 × workers by default")
        let epoch = loader.epoch(0)
        while let batch = try epoch.next() {
            Thread.sleep(forTimeInterval: 0.002)
            progress.lock.lock(); progress.delivered = batch.indices[0] + 1; progress.lock.unlock()
        }
        // Batch k may start once batch k − prefetch has been handed over (next() hands it over
        // just before the consumer records it), so k − delivered never exceeds prefetch.
        XCTAssertLessThanOrEqual(progress.furthestAhead, 2)
        XCTAssertGreaterThanOrEqual(progress.furthestAhead, 1, "the workers ran ahead")
    }

    func testInvalidSettingsThrow() {
        let data = SyntheticImages(count: 4)
        XCTAssertThrowsError(try DataLoader(dataset: data, batchSize: 0, seed: 0, makeSample: randomCropSample))
        XCTAssertThrowsError(try DataLoader(dataset: data, batchSize: 2, workers: -1, seed: 0, makeSample: randomCropSample))
        XCTAssertThrowsError(try DataLoader(dataset: data, batchSize: 2, prefetch: 0, seed: 0, makeSample: randomCropSample))
    }
}

/// Batches the consumer has received, and how far ahead of that any decoding started.
private final class Progress: @unchecked Sendable {
    let lock = NSLock()
    var delivered = 0, furthestAhead = 0
}

/// A dataset that records in `progress` how far ahead of the consumer each decode starts.
private struct RecordingImages: Dataset {
    let inner: SyntheticImages
    let progress: Progress
    var count: Int { inner.count }
    var classNames: [String] { inner.classNames }
    func label(at index: Int) -> Int { inner.label(at: index) }
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        progress.lock.lock()
        progress.furthestAhead = max(progress.furthestAhead, index - progress.delivered)
        progress.lock.unlock()
        return try inner.image(at: index, minimumShorterSide: minimumShorterSide)
    }
}
