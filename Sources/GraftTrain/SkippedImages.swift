import Foundation
import GraftData

/// The images a run left out because they failed to decode (the `skipBad` option), each described
/// once by its error (which names the file), in the order they were met.
public struct SkippedImages: Sendable {
    public private(set) var descriptions: [String] = []
    private var seen: Set<String> = []

    public init() {}

    /// Adds `more`; returns those not met before, in order.
    @discardableResult
    public mutating func add(_ more: [String]) -> [String] {
        let fresh = more.filter { seen.insert($0).inserted }
        descriptions += fresh
        return fresh
    }

    /// Adds `more`; the new ones go to `reporter` (a line starting with `context`) and to
    /// `log` (a `skipped` event).
    mutating func record(_ more: [String], context: String, reporter: RunReporter, log: JSONLinesLog) throws {
        let fresh = add(more)
        guard !fresh.isEmpty else { return }
        reporter.note(context + skippedImagesLine(fresh))
        try log.append(jsonLine(event: "skipped", ["images": fresh]))
    }
}

/// "skipped 2 images that failed to decode: a.jpg: truncated JPEG; b.png: …" (at most five named).
public func skippedImagesLine(_ descriptions: [String]) -> String {
    let shown = descriptions.prefix(5).joined(separator: "; ")
    let more = descriptions.count > 5 ? "; and \(descriptions.count - 5) more" : ""
    return "skipped \(descriptions.count) image\(descriptions.count == 1 ? "" : "s") that failed to decode (`skipBad`): \(shown)\(more)"
}

/// Decodes every image of `dataset` on `workers` threads, handing each to `body` (from any
/// thread, each index once). With `skipBad`, returns the failures as (index, error
/// description) in index order; otherwise throws the first failure met, whose error names the
/// file.
func decodeEach(_ dataset: any Dataset, workers: Int, skipBad: Bool,
                _ body: @Sendable (Int, Image) -> Void) throws -> [(index: Int, description: String)] {
    let n = dataset.count, threads = max(1, min(workers, n))
    let failures = FailureBox()
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
        for i in stride(from: worker, to: n, by: threads) where skipBad || failures.first == nil {
            do {
                body(i, try dataset.image(at: i, minimumShorterSide: nil))
            } catch {
                failures.add(index: i, error)
            }
        }
    }
    if !skipBad, let first = failures.first { throw first }
    return failures.all.sorted { $0.index < $1.index }.map { ($0.index, "\($0.error)") }
}

/// `dataset` without the images that fail to decode, and their descriptions (with
/// `skipBad`); without it, throws at the first such image. For data read only at the end of a
/// run (the test set): a bad file stops the run before training, not after.
func decodableImages(_ dataset: any Dataset, workers: Int, skipBad: Bool) throws -> (dataset: any Dataset, skipped: [String]) {
    let failures = try decodeEach(dataset, workers: workers, skipBad: skipBad) { _, _ in }
    return (try leavingOut(failures, of: dataset), failures.map(\.description))
}

/// `dataset` without the samples that `failures` name (`dataset` itself when there are none).
func leavingOut(_ failures: [(index: Int, description: String)], of dataset: any Dataset) throws -> any Dataset {
    guard !failures.isEmpty else { return dataset }
    let bad = Set(failures.map(\.index))
    return try SubsetDataset(base: dataset, indices: (0..<dataset.count).filter { !bad.contains($0) })
}

/// The errors of several threads, the first one met kept apart.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [(index: Int, error: Error)] = []
    var first: Error? { lock.withLock { errors.first?.error } }
    var all: [(index: Int, error: Error)] { lock.withLock { errors } }
    func add(index: Int, _ error: Error) { lock.withLock { errors.append((index, error)) } }
}
