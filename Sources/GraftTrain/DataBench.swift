import Foundation
import GraftCore
import GraftData
import GraftModels

/// The data-pipeline benchmark's result, the same line as shared/bench/torch_data_bench.py.
public struct DataBenchResult: Sendable {
    /// Images decoded and augmented per second.
    public var imagesPerSecond: Double
    /// Images delivered in the timed loop.
    public var imagesProcessed: Int
    /// Distinct image files found.
    public var images: Int
    /// Threads doing the work.
    public var threads: Int

    /// `{"framework": "graft", "workload": "decode-augment", "img_s": …, "images": …, "threads": 1}`.
    public var json: String {
        "{\"framework\": \"graft\", \"workload\": \"decode-augment\", \"img_s\": \(String(format: "%.1f", imagesPerSecond)), "
            + "\"images\": \(images), \"threads\": \(threads)}"
    }

    /// One line for people.
    public var text: String {
        String(format: "%.1f images/s (%d images in the loop, %d files, %d thread: decode, %@)",
               imagesPerSecond, imagesProcessed, images, threads, standardTrainingSpec)
    }
}

/// Decodes and augments every JPEG or PNG under `directory` (recursively, in sorted path
/// order, files read into memory first, as torch_data_bench.py) in a loop for `seconds`,
/// through a `DataLoader` with one worker thread (the calling thread only waits for it), and
/// measures images per second. JPEGs decode only around each random crop (`EncodedImage`). The calling thread only waits; the Python script also pins
/// itself to one CPU, which Swift's Glibc module cannot (run under `taskset -c 0` for that).
public func runDataBench(directory: String, seconds: Double) throws -> DataBenchResult {
    guard seconds > 0 else {
        throw GraftError.invalidArgument(op: "bench", detail: "seconds \(seconds) must be positive")
    }
    let files = try EncodedImageFiles(directory: directory)
    let pipeline = try Pipeline(spec: standardTrainingSpec, mean: Preprocessing.imageNet().mean, std: Preprocessing.imageNet().std)
    let loader = try DataLoader(dataset: files, batchSize: 8, workers: 1, prefetch: 2, shuffle: false, seed: 0,
                                makeEncodedSample: { encoded, generator in try pipeline(encoded, using: &generator) },
                                makeSample: { image, generator in try pipeline(image, using: &generator) })
    var processed = 0, epoch = 0
    let start = DispatchTime.now()
    var elapsed = 0.0
    timing: while elapsed < seconds {
        let batches = loader.epoch(epoch)
        while let batch = try batches.next() {
            processed += batch.indices.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            if elapsed >= seconds { break timing }
        }
        epoch += 1
    }
    return DataBenchResult(imagesPerSecond: Double(processed) / elapsed, imagesProcessed: processed,
                           images: files.count, threads: 1)
}

/// The JPEG and PNG files under a directory, read into memory, decoded on demand to RGB.
struct EncodedImageFiles: Dataset {
    let paths: [String]
    let blobs: [[UInt8]]

    init(directory: String) throws {
        let root = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw DataError.unreadable(file: directory, reason: "not a directory")
        }
        var found: [URL] = []
        for case let url as URL in walker where ["jpg", "jpeg", "png"].contains(url.pathExtension.lowercased()) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { found.append(url) }
        }
        found.sort { $0.pathComponents.lexicographicallyPrecedes($1.pathComponents) }
        guard !found.isEmpty else {
            throw GraftError.invalidArgument(op: "bench", detail: "no JPEG or PNG files under \(directory)")
        }
        paths = found.map(\.path)
        blobs = try paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DataError.unreadable(file: path, reason: "cannot read")
            }
            return [UInt8](data)
        }
    }

    var count: Int { paths.count }
    var classNames: [String] { ["image"] }
    func label(at index: Int) -> Int { 0 }
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image {
        try Image.decode(blobs[index], minimumShorterSide: minimumShorterSide, source: paths[index]).converted(channels: 3)
    }
    /// RGB JPEGs that decode in part; others (grey ones, which `image(at:)` converts) decode whole.
    func encodedImage(at index: Int) throws -> EncodedImage? {
        let encoded = EncodedImage(data: blobs[index], source: paths[index])
        return encoded.partialDecoding?.channels == 3 ? encoded : nil
    }
}

/// torchvision's standard training augmentation, as torch_data_bench.py runs it.
public let standardTrainingSpec = "random-resized-crop(224), hflip, color-jitter(0.4, 0.4, 0.4), normalize"
