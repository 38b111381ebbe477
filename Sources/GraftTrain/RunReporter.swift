import Foundation
import GraftHub

/// What a training run is about to do, for the first lines of its log.
public struct RunStart: Codable, Sendable {
    public var model: String
    /// What the weights start from (`ChosenWeights.summary`).
    public var weights: String
    public var parameters: Int
    public var trainableParameters: Int
    public var freeze: String
    /// The stages that train (`trainedStages`), input first.
    public var trainedStages: [String]
    public var classes: Int
    public var trainImages: Int
    public var validationImages: Int
    public var validationSource: String
    public var out: String
}

/// Progress inside an epoch.
public struct BatchProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var batch: Int
    public var batches: Int
    public var loss: Double
    public var top1: Double
    public var imagesPerSecond: Double
    /// Seconds left in the epoch at the current pace.
    public var eta: Double
}

/// Receives a training run's progress: a bar and lines for people, JSON lines for programs.
public protocol RunReporter: AnyObject {
    func started(_ start: RunStart)
    /// A remark worth a line (the feature cache's timings, stages unfrozen, early stopping).
    func note(_ text: String)
    func progress(_ progress: BatchProgress)
    /// How far the download of the run's pretrained weights has come.
    func downloading(_ progress: TransferProgress)
    /// The weights are in place (or their fetch failed): a progress display ends.
    func downloadEnded()
    func epochFinished(_ record: EpochRecord, epochs: Int)
    func finished(_ summary: TransferSummary)
}

extension RunReporter {
    public func downloading(_ progress: TransferProgress) {}
    public func downloadEnded() {}
}

/// Lines for people; on a terminal, a progress bar redrawn in place during each epoch; a
/// download's progress on standard error.
public final class TextRunReporter: RunReporter {
    private let terminal: Bool
    private let download = TransferProgressDisplay()
    private var lastDraw = 0.0
    /// Rewrites each line before it is printed; a front end spells the option names that
    /// lines write in backquotes (`` `freeze` ``) as its users write them.
    private let spelling: (String) -> String

    /// `terminal` nil: whether standard output is a terminal.
    public init(terminal: Bool? = nil, spelling: @escaping (String) -> String = { $0 }) {
        self.terminal = terminal ?? (isatty(STDOUT_FILENO) == 1)
        self.spelling = spelling
    }

    public func started(_ s: RunStart) {
        say("\(s.model): \(s.weights), \(s.parameters) parameters, \(s.trainableParameters) trained (`freeze` \(s.freeze)); "
            + "\(s.classes) classes, \(s.trainImages) training images, \(s.validationImages) validation images (\(s.validationSource)); run folder \(s.out)")
        say("trains: " + (s.trainedStages.isEmpty ? "nothing" : s.trainedStages.joined(separator: ", ")))
    }

    public func note(_ text: String) { say(text) }
    public func downloading(_ progress: TransferProgress) { download.show(progress) }
    public func downloadEnded() { download.end() }

    public func progress(_ p: BatchProgress) {
        guard terminal else { return }
        let now = Date().timeIntervalSinceReferenceDate
        guard now - lastDraw > 0.1 || p.batch == p.batches else { return }
        lastDraw = now
        let width = 24, filled = p.batches == 0 ? width : width * p.batch / p.batches
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\repoch %d/%d %@ %d/%d  loss %.4f  acc %.1f%%  %.0f img/s  ETA %@ ",
                          p.epoch, p.epochs, bar, p.batch, p.batches, p.loss, p.top1 * 100, p.imagesPerSecond, clock(p.eta))
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    public func epochFinished(_ r: EpochRecord, epochs: Int) {
        if terminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        var line = String(format: "epoch %d/%d  loss %.4f  train %.2f%%", r.epoch, epochs, r.trainLoss, r.trainTop1 * 100)
        if let l = r.valLoss, let t = r.valTop1 { line += String(format: "  val loss %.4f  val %.2f%%", l, t * 100) }
        line += String(format: "  start lr %.2e  %.1f s  %.0f img/s", r.learningRate, r.seconds, r.imagesPerSecond)
        say(line)
    }

    public func finished(_ s: TransferSummary) {
        var line = "done in \(String(format: "%.1f", s.seconds)) s"
        if let t = s.valTop1 { line += String(format: ": best val top-1 %.2f%% (epoch %d)", t * 100, s.bestEpoch) }
        if let t = s.testTop1 { line += String(format: ", test top-1 %.2f%%", t * 100) }
        if !s.skippedImages.isEmpty { line += "; skipped \(s.skippedImages.count) image\(s.skippedImages.count == 1 ? "" : "s") that failed to decode" }
        say(line + "; checkpoint \(s.checkpoint), report \(s.report)")
    }

    private func say(_ text: String) {
        print(spelling(text))
        fflush(stdout)
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.isFinite ? max(0, seconds) : 0)
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// One JSON object per line: `{"event": "start" | "note" | "epoch" | "summary", …}`; the last
/// line is the summary, with `val_top1` and the checkpoint path. A download's progress goes to
/// standard error.
public final class JSONRunReporter: RunReporter {
    private let download = TransferProgressDisplay()
    public init() {}

    public func started(_ s: RunStart) { emit("start", s) }
    public func note(_ text: String) { emit("note", ["text": text]) }
    public func progress(_ progress: BatchProgress) {}
    public func downloading(_ progress: TransferProgress) { download.show(progress) }
    public func downloadEnded() { download.end() }
    public func epochFinished(_ r: EpochRecord, epochs: Int) { emit("epoch", r) }
    public func finished(_ s: TransferSummary) { emit("summary", s) }

    private func emit<T: Encodable>(_ event: String, _ value: T) {
        print(jsonLine(event: event, value))
        fflush(stdout)
    }
}

/// `value` encoded as one JSON line with snake_case keys and an `"event"` member first.
func jsonLine<T: Encodable>(event: String, _ value: T) -> String {
    let body = jsonObjectLine(value)
    return body == "{}" ? "{\"event\":\"\(event)\"}" : "{\"event\":\"\(event)\"," + body.dropFirst()
}

/// `value` as one line of JSON with snake_case keys, sorted; non-finite numbers (a diverged
/// loss) as the strings "nan", "inf" and "-inf", as checkpoints keep them.
public func jsonObjectLine<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = MetadataJSON.nonFiniteEncoding
    return (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
}
