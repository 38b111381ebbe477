import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftNN

/// Computes the output of a frozen prefix (`TrainingForward.FrozenPrefix`) for every image of a
/// data set and every augmented view once, keeps it in memory when it fits `budget` and reads it
/// from its file otherwise, and writes it atomically into `directory` (the feature cache's
/// folder), keyed by the prefix's graph, weights and buffers, the images, the transform, the
/// views, the seed, the batch size and both precisions: a later run with the same key reads it.
public struct PrefixCache: Sendable {
    public let directory: String
    /// Bytes the cache may hold in memory.
    public let budget: Int
    /// Free bytes on the file system of a folder (nil when unknown): a seam for tests.
    public let freeSpace: @Sendable (String) -> Int?

    /// `directory` as `FeatureCache` resolves it; `budget` nil: half the memory available now.
    public init(directory: String? = nil, budget: Int? = nil, freeSpace: @escaping @Sendable (String) -> Int? = freeBytes(at:)) {
        self.directory = FeatureCache(directory: directory).directory
        self.budget = budget ?? availableMemory() / 2
        self.freeSpace = freeSpace
    }

    /// Bytes of the values of `views` views of `images` rows of `rowShape` at `precision`, nil on overflow.
    public static func bytes(views: Int, images: Int, rowShape: [Int], precision: CachePrecision) -> Int? {
        var total = precision.bytesPerValue
        for factor in [views, images] + rowShape {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow, factor >= 0 else { return nil }
            total = product
        }
        return total
    }

    /// One data set's cache: how its views are drawn and what they hold.
    struct Job {
        /// `training` or `validation`, for messages.
        let name: String
        /// The loader whose epochs `firstEpoch`, `firstEpoch + 1`, … give the views' batches.
        let loader: DataLoader
        let firstEpoch: Int
        let views: Int
        let rowShape: [Int]
        let precision: CachePrecision
        /// Makes the sample of an image no batch of a view holds (a left-out last batch).
        let makeSample: SampleMaker

        var rowBytes: Int { rowShape.reduce(precision.bytesPerValue, *) }
        var bytes: Int { views * loader.dataset.count * rowBytes }
    }

    /// The key of `job` for the frozen prefix `prefix` of a model whose parameters and buffers
    /// are `tensors`: the prefix's graph and the values it reads, how views are drawn (transform,
    /// seed, batch size, order, views), the compute and storage precisions, the int8 activation
    /// `ranges` of an int8 prefix, and every image;
    /// with `job` over its images that decode (with `skipBad` the others are left out, and
    /// described in `skipped`).
    func key(_ job: Job, prefix: TrainingForward.FrozenPrefix, tensors: [String: Tensor], ranges: ActivationRanges?, transform: String,
             workers: Int, skipBad: Bool) throws -> (key: UInt64, job: Job, skipped: [String]) {
        var hash = FNV1a()
        hash.add("graft.prefix-cache.1"); hash.add(job.name)
        for node in prefix.graph.nodes { hash.add("\(node.op)|\(node.inputs)|\(node.output)|\(node.scope)") }
        for value in prefix.graph.values { hash.add("\(value.id):\(value.shape)") }
        hash.add("\(prefix.graph.inputs)->\(prefix.graph.outputs)")
        for name in prefix.graph.parameterNames.sorted() {
            hash.add(name)
            guard let tensor = tensors[name] else { continue }
            if tensor.dtype == .int64 { tensor.int64Values.withUnsafeBytes { hash.add($0) } } else { tensor.toArray().withUnsafeBytes { hash.add($0) } }
        }
        let l = job.loader
        hash.add(transform); hash.add(job.views); hash.add(job.firstEpoch); hash.add(l.seed)
        hash.add(l.batchSize); hash.add(l.shuffle ? 1 : 0); hash.add(l.dropLast ? 1 : 0)
        hash.add(Engine.shared.precision.rawValue); hash.add(ranges); hash.add(job.precision.rawValue); hash.add("\(job.rowShape)")
        let (key, failures) = try FeatureCache(directory: directory).datasetFingerprint(l.dataset, into: hash, workers: workers, skipBad: skipBad)
        let loader = try DataLoader(dataset: try leavingOut(failures, of: l.dataset), batchSize: l.batchSize, workers: l.workers,
                                    prefetch: l.prefetch, shuffle: l.shuffle, dropLast: l.dropLast, seed: l.seed,
                                    minimumShorterSide: l.minimumShorterSide, skipFailures: l.skipFailures,
                                    makeEncodedSample: l.makeEncodedSample, makeSample: l.makeSample)
        return (key, Job(name: job.name, loader: loader, firstEpoch: job.firstEpoch, views: job.views, rowShape: job.rowShape,
                         precision: job.precision, makeSample: job.makeSample), failures.map(\.description))
    }

    /// The cache file of `key`.
    func path(_ key: UInt64) -> String {
        (directory as NSString).appendingPathComponent(String(format: "prefix-%016llx.safetensors", key))
    }

    /// How a data set's rows were obtained.
    struct Outcome {
        let rows: PrefixRows
        let reused: Bool
        let seconds: Double
    }

    /// The rows of `job`: read from `path` when it holds them, else computed view by view with
    /// `frontier` (the frozen prefix on a batch) and written to `path` (unless `write` is false).
    /// Held in memory with `inMemory`, else read from the file per batch (computing then holds
    /// one view in memory at a time).
    func rows(_ job: Job, path: String, inMemory: Bool, write: Bool, frontier: (Tensor) throws -> Tensor) throws -> Outcome {
        let start = DispatchTime.now()
        let labels = (0..<job.loader.dataset.count).map(job.loader.dataset.label(at:))
        if let rows = try? PrefixRows(reading: path, header: header(job), labels: labels, job: job, inMemory: inMemory) {
            return Outcome(rows: rows, reused: true, seconds: seconds(since: start))
        }
        var writer: AtomicFileWriter? = nil
        if write {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw DataError.unwritable(file: directory, reason: "\(fileErrorReason(error)); the `cacheDirectory` option chooses another folder")
            }
            writer = try AtomicFileWriter(path)
            let header = header(job)
            try writer?.write(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) })
            try writer?.write(header)
        }
        // Without a file to read back, the rows stay in memory whatever the budget.
        let keep = inMemory || writer == nil
        var all: [UInt8] = []
        for view in 0..<job.views {
            let values = try computeView(view, of: job, frontier: frontier)
            try writer?.write(values)
            if keep { all += values }
        }
        try writer?.write(labels.map { Int32($0) }.withUnsafeBytes { Array($0) })
        try writer?.commit()
        let rows: PrefixRows
        if keep {
            rows = PrefixRows(memory: all, labels: labels, job: job)
        } else {
            rows = try PrefixRows(reading: path, header: header(job), labels: labels, job: job, inMemory: false)
        }
        return Outcome(rows: rows, reused: false, seconds: seconds(since: start))
    }

    /// View `view`'s rows in image order: the batches of the loader's epoch `firstEpoch + view`,
    /// then the images none of them held (a dropped last batch) in one more, filled up to the
    /// batch size with copies so that the prefix runs on a shape it has.
    private func computeView(_ view: Int, of job: Job, frontier: (Tensor) throws -> Tensor) throws -> [UInt8] {
        let count = job.loader.dataset.count, rowBytes = job.rowBytes
        var values = [UInt8](repeating: 0, count: count * rowBytes)
        var done = [Bool](repeating: false, count: count)
        func store(_ out: Tensor, _ indices: [Int]) throws {
            let rowValues = rowBytes / job.precision.bytesPerValue
            guard Array(out.shape.dropFirst()) == job.rowShape, (out.shape.first ?? 0) >= indices.count else {
                throw GraftError.invalidState("prefix cache: the prefix gave \(shapeString(out.shape)) for \(indices.count) images of \(job.rowShape)")
            }
            let floats = out.toArray()
            values.withUnsafeMutableBytes { bytes in
                for (r, i) in indices.enumerated() {
                    let row = floats[(r * rowValues)..<((r + 1) * rowValues)]
                    let base = i * rowBytes
                    switch job.precision {
                    case .float32:
                        row.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[base..<(base + rowBytes)]).copyMemory(from: $0) }
                    case .bfloat16:
                        for (k, x) in row.enumerated() { bytes.storeBytes(of: bfloat16Bits(x).littleEndian, toByteOffset: base + 2 * k, as: UInt16.self) }
                    }
                }
            }
            for i in indices { done[i] = true }
        }
        let epoch = job.loader.epoch(job.firstEpoch + view)
        var shape: [Int]? = nil
        while let batch = try epoch.next() {
            if shape == nil { shape = batch.images.shape }
            try store(try frontier(batch.images), batch.indices)
        }
        let missing = (0..<count).filter { !done[$0] }
        guard !missing.isEmpty else { return values }
        guard let shape, shape[0] >= missing.count else {
            throw GraftError.invalidState("prefix cache: \(missing.count) \(job.name) images in no batch of view \(view)")
        }
        var samples: [Sample] = []
        for index in missing {
            var generator = sampleGenerator(seed: job.loader.seed, epoch: job.firstEpoch + view, index: index)
            do {
                samples.append(try job.makeSample(try job.loader.dataset.image(at: index, minimumShorterSide: nil), &generator))
            } catch {
                throw DataLoaderError.sampleFailed(index: index, source: job.loader.dataset.source(at: index), underlying: error)
            }
        }
        let plane = shape.dropFirst().reduce(1, *)
        var filled: [Float] = []
        for b in 0..<shape[0] { filled += samples[min(b, samples.count - 1)].values }
        guard filled.count == shape[0] * plane else {
            throw GraftError.shapeMismatch(op: "prefix cache", detail: "a left-out \(job.name) image's sample differs from the batches'",
                                           lhs: Array(shape.dropFirst()), rhs: [samples[0].channels, samples[0].height, samples[0].width])
        }
        try store(try frontier(Tensor(shape: shape, data: filled)), missing)
        return values
    }

    /// The safetensors header of `job`'s file: the values `[views, images, row…]` at the cache
    /// precision, then the labels as I32, padded to 8 bytes.
    func header(_ job: Job) -> [UInt8] {
        let count = job.loader.dataset.count
        let shape = ([job.views, count] + job.rowShape).map(String.init).joined(separator: ",")
        let text = "{\"__metadata__\":{\"graft.prefix-cache\":\"1\"},"
            + "\"values\":{\"dtype\":\"\(job.precision.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[0,\(job.bytes)]},"
            + "\"labels\":{\"dtype\":\"I32\",\"shape\":[\(count)],\"data_offsets\":[\(job.bytes),\(job.bytes + 4 * count)]}}"
        var bytes = Array(text.utf8)
        bytes += [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8)
        return bytes
    }
}
