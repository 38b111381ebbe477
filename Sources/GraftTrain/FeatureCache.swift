import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftIO
import GraftNN

/// Trunk features of every image of a data set, for `views` augmented views each: what the
/// head reads, so that a head can be trained without running the frozen trunk again.
public struct FeatureSet: Sendable {
    /// `views × count × dimension` values, view-major.
    public let values: [Float]
    public let labels: [Int]
    public let views: Int
    public let dimension: Int

    public var count: Int { labels.count }

    /// Rows `indices` of view `view` as `[B, dimension]`, with their labels.
    public func batch(_ indices: [Int], view: Int) -> (features: Tensor, labels: Tensor) {
        var rows = [Float](repeating: 0, count: indices.count * dimension)
        let base = (view % views) * count * dimension
        for (r, i) in indices.enumerated() {
            for k in 0..<dimension { rows[r * dimension + k] = values[base + i * dimension + k] }
        }
        return (Tensor(shape: [indices.count, dimension], data: rows), Tensor(labels: indices.map { labels[$0] }))
    }
}

/// Computes trunk features once and keeps them on disk, keyed by the trunk's weights, the
/// images' pixels, the transform, the number of views and the seed: a later run with the same
/// four reuses them.
public struct FeatureCache: Sendable {
    public let directory: String

    /// `directory`, or `$XDG_CACHE_HOME/graft/features`, or `$HOME/.cache/graft/features`
    /// (the account's home folder when `$HOME` is unset). A relative `$XDG_CACHE_HOME` is
    /// ignored, as the XDG base directory specification says.
    public init(directory: String? = nil, environment env: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory { self.directory = directory; return }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let base = env["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (home as NSString).appendingPathComponent(".cache")
        self.directory = ((base as NSString).appendingPathComponent("graft") as NSString).appendingPathComponent("features")
    }

    /// How a feature set was obtained.
    public struct Outcome: Sendable {
        public let features: FeatureSet
        /// Whether it was read from disk.
        public let reused: Bool
        /// Seconds spent computing (trunk pass) or reading it.
        public let seconds: Double
        public let path: String
        /// The images left out because they failed to decode (`skipBad`), described by their errors.
        public let skipped: [String]
    }

    /// The features of `dataset` under `pipeline` (view v drawn as epoch v of a loader seeded
    /// with `seed`), computed by `model.forwardFeatures` in inference mode (compiled), or read from the
    /// cache when the same key (which leaves out the head's weights) was computed before. An image
    /// that fails to decode throws, naming its file, or with `skipBad` is left out of the set.
    /// Under int8 the trunk runs quantised with `activationRanges`, which the key then includes.
    public func features(of model: any TransferModel, dataset all: any Dataset, pipeline: Pipeline, channels: Int,
                         views: Int, seed: UInt64, batchSize: Int, workers: Int, skipBad: Bool = false,
                         activationRanges: ActivationRanges? = nil) throws -> Outcome {
        let start = DispatchTime.now()
        var hash = FNV1a()
        hash.add(String(describing: pipeline.spec ?? "")); hash.add(views); hash.add(seed); hash.add(channels)
        hash.add(Engine.shared.precision.rawValue); hash.add(activationRanges)
        let heads = [model.headPath] + model.auxiliaryHeadPaths
        for (name, tensor) in model.stateDict() where !heads.contains(where: { parameterName(name, isUnder: $0) }) {
            hash.add(name)
            if tensor.dtype == .float32 { tensor.toArray().withUnsafeBytes { hash.add($0) } }
        }
        let (key, failures) = try datasetFingerprint(all, into: hash, workers: workers, skipBad: skipBad)
        let dataset = try leavingOut(failures, of: all)
        let skipped = failures.map(\.description)
        let path = (directory as NSString).appendingPathComponent(String(format: "%016llx.safetensors", key))
        if let cached = try? read(path, count: dataset.count, views: views) {
            return Outcome(features: cached, reused: true, seconds: seconds(since: start), path: path, skipped: skipped)
        }
        let makeSample: SampleMaker = { image, generator in try pipeline(image.converted(channels: channels), using: &generator) }
        let loader = try DataLoader(dataset: dataset, batchSize: batchSize, workers: workers, shuffle: false, seed: seed,
                                    makeSample: makeSample)
        var values: [Float] = []
        var dimension = 0
        let trunk = CompiledInference(model, forward: model.forwardFeatures)
        trunk.activationRanges = activationRanges
        for view in 0..<views {
            let epoch = loader.epoch(view)
            while let batch = try epoch.next() {
                let out = try trunk(batch.images)
                dimension = out.count / batch.indices.count
                values += out.toArray()
            }
        }
        let set = FeatureSet(values: values, labels: (0..<dataset.count).map(dataset.label(at:)), views: views, dimension: dimension)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.unwritable(file: directory, reason: "\(fileErrorReason(error)); the `cacheDirectory` option chooses another folder")
        }
        try SafeTensors.write([("features", Tensor(shape: [views, dataset.count, dimension], data: values)),
                               ("labels", Tensor(labels: set.labels))],
                              metadata: ["graft.feature-cache": "1"], to: path)
        return Outcome(features: set, reused: false, seconds: seconds(since: start), path: path, skipped: skipped)
    }

    /// A cached feature set, checked against the expected sizes.
    private func read(_ path: String, count: Int, views: Int) throws -> FeatureSet? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try SafeTensors.read(path)
        guard let f = file["features"], let l = file["labels"], f.shape.count == 3, f.shape[0] == views,
              f.shape[1] == count, l.count == count else { return nil }
        return FeatureSet(values: f.toArray(), labels: l.labels, views: views, dimension: f.shape[2])
    }

    /// Folds every image's label and pixels into `hash`, decoding on `workers` threads; an
    /// image that fails (with `skipBad`) folds in its error and is returned among the failures.
    func datasetFingerprint(_ dataset: any Dataset, into hash: FNV1a, workers: Int,
                                    skipBad: Bool) throws -> (UInt64, [(index: Int, description: String)]) {
        var hashes = [UInt64](repeating: 0, count: dataset.count)
        let failures = try hashes.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out)
            return try decodeEach(dataset, workers: workers, skipBad: skipBad) { i, image in
                var h = FNV1a()
                h.add(image.width); h.add(image.height); h.add(image.channels); h.add(dataset.label(at: i))
                image.pixels.withUnsafeBytes { h.add($0) }
                out.value[i] = h.value
            }
        }
        for failure in failures {
            var h = FNV1a()
            h.add(failure.description)
            hashes[failure.index] = h.value
        }
        var total = hash
        for h in hashes { total.add(h) }
        return (total.value, failures)
    }
}

/// A value handed to concurrent workers that write disjoint parts of it.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The 64-bit FNV-1a hash, for cache keys (not for security).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    }
    mutating func add(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { add($0) } }
    mutating func add(_ v: Int) { add(UInt64(bitPattern: Int64(v))) }
    mutating func add(_ s: String) { add(s.utf8.count); Array(s.utf8).withUnsafeBytes { add($0) } }
    /// Int8 activation ranges, by name, with their mean squares where measured (they decide
    /// which convolutions run int8); nothing when nil.
    mutating func add(_ ranges: ActivationRanges?) {
        guard let ranges = ranges?.ranges else { return }
        add(ranges.count)
        for (name, r) in ranges.sorted(by: { $0.key < $1.key }) {
            add(name); add(UInt64(r.min.bitPattern)); add(UInt64(r.max.bitPattern))
            if let meanSquare = r.meanSquare { add(UInt64(meanSquare.bitPattern)); add(r.samples) }
        }
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
