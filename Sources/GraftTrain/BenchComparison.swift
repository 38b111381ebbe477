import Foundation
import GraftCore

/// Graft's figure for one (model, workload, batch) beside PyTorch's best from torch_bench.py.
public struct BenchComparison: Sendable {
    public var graft: ModelBenchResult
    /// PyTorch's highest images/s over the layouts it was timed in; nil when the file has none.
    public var pytorchImagesPerSecond: Double?
    /// The layout of that figure (`nchw`, `channels_last`).
    public var pytorchLayout: String?
    /// The PyTorch version the file reports.
    public var pytorchVersion: String?

    /// Graft's images/s over PyTorch's best.
    public var ratio: Double? { pytorchImagesPerSecond.map { graft.imagesPerSecond / $0 } }

    /// `{"model": …, "workload": …, "batch": …, "graft_img_s": …, "pytorch_img_s": …,
    /// "pytorch_layout": …, "pytorch_version": …, "ratio": …}`, with nulls where PyTorch has no figure.
    public var json: String {
        func string(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "null" }
        func number(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "null" }
        return "{\"model\": \"\(graft.model)\", \"workload\": \"\(graft.workload.rawValue)\", \"batch\": \(graft.batch), "
            + "\"graft_img_s\": \(String(format: "%.2f", graft.imagesPerSecond)), "
            + "\"pytorch_img_s\": \(number(pytorchImagesPerSecond, "%.2f")), \"pytorch_layout\": \(string(pytorchLayout)), "
            + "\"pytorch_version\": \(string(pytorchVersion)), \"ratio\": \(number(ratio, "%.3f"))}"
    }

    /// One line for people.
    public var text: String {
        let head = String(format: "%@ %@ batch %d: graft %.2f img/s", graft.model, graft.workload.rawValue,
                          graft.batch, graft.imagesPerSecond)
        guard let torch = pytorchImagesPerSecond, let ratio else { return head + ", no PyTorch figure in the file" }
        return head + String(format: ", PyTorch %@ %.2f img/s (%@), ratio %.2f×", pytorchVersion ?? "?", torch,
                             pytorchLayout ?? "?", ratio)
    }
}

/// The figures of torch_bench.py's output (its JSON lines), to set Graft's beside.
public struct TorchBenchFigures: Sendable {
    struct Line: Sendable {
        var model: String
        var workload: String
        var batch: Int
        var imagesPerSecond: Double
        var layout: String?
        var version: String?
    }

    let lines: [Line]

    /// Parses the JSON lines of `text` (`source` names it in errors). Blank lines and lines of
    /// other frameworks are skipped; a line that is not a JSON object with `model`, `workload`,
    /// `batch` and `img_s` throws `GraftError.invalidArgument` naming its number.
    public init(text: String, source: String) throws {
        var lines: [Line] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw GraftError.invalidArgument(op: "bench `compare`", detail: "\(source) line \(i + 1) is not a JSON object")
            }
            if let framework = object["framework"] as? String, framework != "pytorch" { continue }
            guard let model = object["model"] as? String, let workload = object["workload"] as? String,
                  let batch = (object["batch"] as? NSNumber)?.intValue,
                  let img = (object["img_s"] as? NSNumber)?.doubleValue else {
                throw GraftError.invalidArgument(op: "bench `compare`",
                                                 detail: "\(source) line \(i + 1) lacks model, workload, batch or img_s")
            }
            lines.append(Line(model: model, workload: workload, batch: batch, imagesPerSecond: img,
                              layout: object["layout"] as? String, version: object["version"] as? String))
        }
        self.lines = lines
    }

    /// Reads and parses the file at `path`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GraftError.invalidArgument(op: "bench `compare`", detail: "cannot read '\(path)'")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), source: path)
    }

    /// `result` beside the best PyTorch figure (highest images/s over layouts) for the same
    /// model, workload and batch.
    public func compare(_ result: ModelBenchResult) -> BenchComparison {
        let best = lines
            .filter { $0.model == result.model && $0.workload == result.workload.rawValue && $0.batch == result.batch }
            .max { $0.imagesPerSecond < $1.imagesPerSecond }
        return BenchComparison(graft: result, pytorchImagesPerSecond: best?.imagesPerSecond,
                               pytorchLayout: best?.layout, pytorchVersion: best?.version)
    }
}
