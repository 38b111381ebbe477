import Foundation
import GraftCore

/// One epoch of a `DataLoader`: its batches in order, as `try next()` or as a `Sequence`.
/// The workers start when the epoch is made and stop at its end, at `cancel()` or when the
/// epoch (and any iterator over it) is released, which waits for them to exit.
///
/// Iterating with `for batch in epoch` cannot throw: a failure ends the loop and is kept in
/// `error`. Use `while let batch = try epoch.next()` to have it thrown.
public final class LoaderEpoch: Sequence {
    public let epoch: Int
    /// The error that ended the epoch, if one did.
    public private(set) var error: Error?
    private let work: EpochWork
    private var statisticsSoFar = LoaderStatistics()
    private var started: DispatchTime?
    private var finished = false

    init(loader: DataLoader, epoch: Int) {
        self.epoch = epoch
        work = EpochWork(loader: loader, epoch: epoch, batches: loader.order(epoch: epoch).batches)
        for number in 0..<loader.workers { work.startWorker(number) }
    }

    deinit { work.cancel() }

    /// Batches in the epoch before any sample is skipped.
    public var batchCount: Int { work.batches.count }

    /// Counters so far: batches, samples, skips and how long the consumer waited for data.
    public var statistics: LoaderStatistics {
        var s = statisticsSoFar
        if let started, !finished { s.elapsedSeconds = seconds(since: started) }
        return s
    }

    /// The next batch, or nil at the end of the epoch (or after `cancel()`). Throws
    /// `DataLoaderError.sampleFailed` when a sample fails and the loader does not skip failures;
    /// the epoch then ends.
    public func next() throws -> Batch? {
        if finished { return nil }
        let start = DispatchTime.now()
        if started == nil { started = start }
        defer {
            let now = DispatchTime.now()
            statisticsSoFar.waitSeconds += seconds(from: start, to: now)
            statisticsSoFar.elapsedSeconds = seconds(from: started!, to: now)
        }
        while let outcome = work.take() {
            switch outcome {
            case .failed(let failure):
                finish()
                error = failure
                throw failure
            case let .built(batch, skipped):
                statisticsSoFar.skipped += skipped.count
                statisticsSoFar.skippedSamples += skipped
                guard let batch else { continue }
                statisticsSoFar.batches += 1
                statisticsSoFar.samples += batch.indices.count
                return batch
            }
        }
        finish()
        return nil
    }

    /// Stops the workers and waits for them to exit; `next()` then returns nil.
    public func cancel() { finish() }

    private func finish() {
        finished = true
        work.cancel()
    }

    public struct Iterator: IteratorProtocol {
        let epoch: LoaderEpoch
        public func next() -> Batch? {
            do { return try epoch.next() } catch { return nil }
        }
    }

    public func makeIterator() -> Iterator { Iterator(epoch: self) }

    private func seconds(since start: DispatchTime) -> Double { seconds(from: start, to: .now()) }
    private func seconds(from a: DispatchTime, to b: DispatchTime) -> Double {
        Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9
    }
}

/// What a trainer can log about the input pipeline of one epoch.
public struct LoaderStatistics: Sendable, Equatable {
    /// Batches and samples delivered.
    public var batches = 0
    public var samples = 0
    /// Samples left out because they failed (`skipFailures`), and their errors' descriptions
    /// (which name the file).
    public var skipped = 0
    public var skippedSamples: [String] = []
    /// Time the consumer spent inside `next()` waiting for a batch.
    public var waitSeconds = 0.0
    /// Time from the first `next()` call to the latest return from it.
    public var elapsedSeconds = 0.0

    /// The share of the epoch the consumer spent waiting for data: near 1, training is
    /// data-bound; near 0, the loader keeps up.
    public var waitFraction: Double { elapsedSeconds > 0 ? waitSeconds / elapsedSeconds : 0 }
}

/// A built batch (nil when every sample in it was skipped) with the skipped samples' errors,
/// or the failure that ends the epoch.
enum BatchOutcome {
    case built(Batch?, skipped: [String])
    case failed(Error)
}

/// The state one epoch's workers and its consumer share, under `condition`.
final class EpochWork: @unchecked Sendable {
    let loader: DataLoader
    let epoch: Int
    let batches: [ArraySlice<Int>]
    private let condition = NSCondition()
    private var nextToClaim = 0
    private var nextToDeliver = 0
    private var ready: [Int: BatchOutcome] = [:]
    private var cancelled = false
    private var running = 0

    init(loader: DataLoader, epoch: Int, batches: [ArraySlice<Int>]) {
        self.loader = loader; self.epoch = epoch; self.batches = batches
    }

    var isCancelled: Bool {
        condition.lock(); defer { condition.unlock() }
        return cancelled
    }

    func startWorker(_ number: Int) {
        condition.lock(); running += 1; condition.unlock()
        LiveWorkers.shared.add(1)
        let thread = Thread { [self] in work() }
        thread.name = "graft-loader-\(number)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// A worker's loop: claim the next batch within the prefetch window, build it, publish it.
    private func work() {
        condition.lock()
        while true {
            while !cancelled && nextToClaim < batches.count && nextToClaim >= nextToDeliver + loader.prefetch {
                condition.wait()
            }
            if cancelled || nextToClaim >= batches.count { break }
            let number = nextToClaim
            nextToClaim += 1
            condition.unlock()
            let outcome = build(number)
            condition.lock()
            if let outcome { ready[number] = outcome }
            condition.broadcast()
        }
        LiveWorkers.shared.add(-1)
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch's outcome in order, waiting for the workers (or, with none, building
    /// it here); nil at the end or once cancelled.
    func take() -> BatchOutcome? {
        if loader.workers == 0 {
            condition.lock()
            guard !cancelled, nextToDeliver < batches.count else { condition.unlock(); return nil }
            let number = nextToDeliver
            nextToDeliver += 1
            condition.unlock()
            return build(number)
        }
        condition.lock(); defer { condition.unlock() }
        guard nextToDeliver < batches.count else { return nil }
        while !cancelled && ready[nextToDeliver] == nil { condition.wait() }
        guard !cancelled else { return nil }
        let outcome = ready.removeValue(forKey: nextToDeliver)
        nextToDeliver += 1
        condition.broadcast()
        return outcome
    }

    /// Stops the workers and waits until every one has exited.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }

    /// Decodes and transforms batch `number`; nil when cancelled midway.
    private func build(_ number: Int) -> BatchOutcome? {
        var samples: [Sample] = [], indices: [Int] = [], skipped: [String] = []
        for index in batches[number] {
            if isCancelled { return nil }
            do {
                var generator = sampleGenerator(seed: loader.seed, epoch: epoch, index: index)
                if loader.minimumShorterSide == nil, let makeEncoded = loader.makeEncodedSample,
                   let encoded = try loader.dataset.encodedImage(at: index) {
                    samples.append(try makeEncoded(encoded, &generator))
                } else {
                    let image = try loader.dataset.image(at: index, minimumShorterSide: loader.minimumShorterSide)
                    samples.append(try loader.makeSample(image, &generator))
                }
                indices.append(index)
            } catch {
                let failure = DataLoaderError.sampleFailed(index: index, source: loader.dataset.source(at: index), underlying: error)
                guard loader.skipFailures else { return .failed(failure) }
                skipped.append(failure.description)
            }
        }
        guard let first = samples.first else { return .built(nil, skipped: skipped) }
        let (c, h, w) = (first.channels, first.height, first.width)
        for (sample, index) in zip(samples, indices) where (sample.channels, sample.height, sample.width) != (c, h, w) {
            return .failed(DataLoaderError.sampleFailed(index: index, source: loader.dataset.source(at: index), underlying: GraftError.shapeMismatch(
                op: "DataLoader", detail: "samples of a batch must share their shape; first sample vs this one",
                lhs: [c, h, w], rhs: [sample.channels, sample.height, sample.width])))
        }
        let plane = c * h * w
        let images = Tensor(uninitialized: [samples.count, c, h, w])
        images.withUnsafeMutableFloats { out in
            for (b, sample) in samples.enumerated() {
                sample.values.withUnsafeBufferPointer {
                    out.baseAddress!.advanced(by: b * plane).update(from: $0.baseAddress!, count: plane)
                }
            }
        }
        let labels = Tensor(labels: indices.map { loader.dataset.label(at: $0) })
        return .built(Batch(images: images, labels: labels, indices: indices), skipped: skipped)
    }
}

/// How many loader worker threads are running in the process (for tests and diagnostics).
final class LiveWorkers: @unchecked Sendable {
    static let shared = LiveWorkers()
    private let lock = NSLock()
    private var value = 0

    func add(_ delta: Int) { lock.lock(); value += delta; lock.unlock() }

    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}
