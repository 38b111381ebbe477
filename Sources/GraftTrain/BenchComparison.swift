import Foundation
import GraftCore

/// One PyTorch figure of torch_bench.py's output and the configuration that gave it.
public struct TorchBenchFigure: Sendable, Equatable {
    public var model: String
    public var workload: String
    public var batch: Int
    /// `fp32`, or `bf16` (torch.autocast); a line that does not say is fp32.
    public var precision: ComputePrecision
    public var imagesPerSecond: Double
    /// `nchw` or `channels_last`; nil when the line does not say.
    public var layout: String?
    /// Whether the model ran through torch.compile; a line that does not say ran eagerly.
    public var compiled: Bool
    /// The PyTorch version the line reports.
    public var version: String?

    /// `compiled, channels_last`, `eager, nchw`, …
    public var configuration: String { "\(compiled ? "compiled" : "eager"), \(layout ?? "layout unknown")" }
}

/// Graft's figure for one (model, workload, batch, precision) beside PyTorch's at the same
/// precision: its best over every configuration timed (eager or compiled, either layout) and
/// its best eager figure. A bf16 figure is never set beside an fp32 one; an int8 one is set
/// beside PyTorch's bf16 (the fastest it offers on this CPU).
public struct BenchComparison: Sendable {
    public var graft: ModelBenchResult
    /// PyTorch's highest images/s at Graft's precision over all its configurations; nil when the file has none.
    public var pytorchBest: TorchBenchFigure?
    /// PyTorch's highest eager images/s at Graft's precision, either layout; nil when the file has none.
    public var pytorchEager: TorchBenchFigure?

    /// Graft's images/s over PyTorch's best.
    public var ratio: Double? { pytorchBest.map { graft.imagesPerSecond / $0.imagesPerSecond } }
    /// Graft's images/s over PyTorch eager's best.
    public var eagerRatio: Double? { pytorchEager.map { graft.imagesPerSecond / $0.imagesPerSecond } }

    /// `{"model": …, "workload": …, "batch": …, "precision": …, "graft_img_s": …, "pytorch_img_s": …,
    /// "pytorch_layout": …, "pytorch_compiled": …, "pytorch_version": …, "ratio": …, "pytorch_eager_img_s": …,
    /// "pytorch_eager_layout": …, "eager_ratio": …}`, with nulls where PyTorch has no figure.
    public var json: String {
        func string(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "null" }
        func number(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "null" }
        return "{\"model\": \"\(graft.model)\", \"workload\": \"\(graft.workload.rawValue)\", \"batch\": \(graft.batch), "
            + "\"precision\": \"\(graft.precision.rawValue)\", "
            + "\"graft_img_s\": \(String(format: "%.2f", graft.imagesPerSecond)), "
            + "\"pytorch_img_s\": \(number(pytorchBest?.imagesPerSecond, "%.2f")), "
            + "\"pytorch_layout\": \(string(pytorchBest?.layout)), "
            + "\"pytorch_compiled\": \(pytorchBest.map { $0.compiled ? "true" : "false" } ?? "null"), "
            + "\"pytorch_version\": \(string(pytorchBest?.version)), \"ratio\": \(number(ratio, "%.3f")), "
            + "\"pytorch_eager_img_s\": \(number(pytorchEager?.imagesPerSecond, "%.2f")), "
            + "\"pytorch_eager_layout\": \(string(pytorchEager?.layout)), \"eager_ratio\": \(number(eagerRatio, "%.3f"))}"
    }

    /// One line for people.
    public var text: String {
        let precision = graft.precision.rawValue, theirs = graft.precision == .int8 ? ComputePrecision.bfloat16.rawValue : precision
        let head = String(format: "%@ %@ batch %d %@: graft %.2f img/s", graft.model, graft.workload.rawValue,
                          graft.batch, precision, graft.imagesPerSecond)
        guard let best = pytorchBest, let ratio else { return head + ", no PyTorch \(theirs) figure in the file" }
        var line = head + String(format: "; PyTorch %@ %@ best %.2f img/s (%@), ratio %.2f×", best.version ?? "?", theirs,
                                 best.imagesPerSecond, best.configuration, ratio)
        if let eager = pytorchEager, let eagerRatio {
            line += String(format: "; eager %.2f img/s (%@), ratio %.2f×", eager.imagesPerSecond, eager.layout ?? "?", eagerRatio)
        } else {
            line += "; no eager figure"
        }
        return line
    }
}

/// The figures of torch_bench.py's output (its JSON lines), to set Graft's beside.
public struct TorchBenchFigures: Sendable {
    public let figures: [TorchBenchFigure]

    /// Parses the JSON lines of `text` (`source` names it in errors). Blank lines and lines of
    /// other frameworks are skipped; a line that is not a JSON object with `model`, `workload`,
    /// `batch` and `img_s`, or whose `precision` is neither fp32 nor bf16, throws
    /// `GraftError.invalidArgument` naming its number.
    public init(text: String, source: String) throws {
        var figures: [TorchBenchFigure] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            func failure(_ detail: String) -> GraftError {
                GraftError.invalidArgument(op: "bench `compare`", detail: "\(source) line \(i + 1) \(detail)")
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw failure("is not a JSON object")
            }
            if let framework = object["framework"] as? String, framework != "pytorch" { continue }
            guard let model = object["model"] as? String, let workload = object["workload"] as? String,
                  let batch = (object["batch"] as? NSNumber)?.intValue,
                  let img = (object["img_s"] as? NSNumber)?.doubleValue else {
                throw failure("lacks model, workload, batch or img_s")
            }
            let precisionName = object["precision"] as? String ?? ComputePrecision.float32.rawValue
            guard let precision = ComputePrecision(rawValue: precisionName), precision != .int8 else {
                throw failure("has precision '\(precisionName)', neither fp32 nor bf16")
            }
            figures.append(TorchBenchFigure(model: model, workload: workload, batch: batch, precision: precision,
                                            imagesPerSecond: img, layout: object["layout"] as? String,
                                            compiled: (object["compiled"] as? NSNumber)?.boolValue ?? false,
                                            version: object["version"] as? String))
        }
        self.figures = figures
    }

    /// Reads and parses the file at `path`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GraftError.invalidArgument(op: "bench `compare`", detail: "cannot read '\(path)'")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), source: path)
    }

    /// `result` beside PyTorch's figures for the same model, workload, batch and precision (an
    /// int8 result beside PyTorch's bf16, its fastest): the highest images/s over every
    /// configuration, and the highest eager one.
    public func compare(_ result: ModelBenchResult) -> BenchComparison {
        let precision: ComputePrecision = result.precision == .int8 ? .bfloat16 : result.precision
        let same = figures.filter {
            $0.model == result.model && $0.workload == result.workload.rawValue && $0.batch == result.batch && $0.precision == precision
        }
        func fastest(_ figures: [TorchBenchFigure]) -> TorchBenchFigure? { figures.max { $0.imagesPerSecond < $1.imagesPerSecond } }
        return BenchComparison(graft: result, pytorchBest: fastest(same), pytorchEager: fastest(same.filter { !$0.compiled }))
    }
}
