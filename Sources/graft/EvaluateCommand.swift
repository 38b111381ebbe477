import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftTrain

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate checkpoints on labelled images, with test-time augmentation and ensembles.",
        discussion: """
        --data is an ImageFolder root (its test/ folder, else val/, else every class folder), a \
        CSV file, or an IDX directory (its t10k files). Each --model is a checkpoint written by \
        graft train; with several, their class probabilities are averaged (an ensemble) and each \
        member is reported too. --tta: none (resize + centre crop), flip (and its mirror), ten-crop \
        (four corners + centre, and mirrors), multi-scale (centre crops at three scales, and mirrors).

        With --json: {"top1": …, "top5": …, "n": …, "per_class": [...], "confusion": [[...]]} for \
        the model or the ensemble, with "members": [{"name": …, "top1": …, …}] for an ensemble. \
        --skip-bad leaves out images that fail to decode (listed, and under "skipped_images").

        Examples:
          graft evaluate --model run/best.safetensors --data photos --tta ten-crop
          graft evaluate --model a/best.safetensors --model b/best.safetensors --data photos --json
        """)

    @Option(help: "A checkpoint written by graft train (repeat for an ensemble).")
    var model: [String]
    @Option(help: "Labelled images: ImageFolder root, CSV file or IDX directory.")
    var data: String
    @Option(help: "Test-time augmentation: none, flip, ten-crop or multi-scale.")
    var tta = TTA.none
    @Option(name: .customLong("batch-size"), help: "Images per forward pass (times the views).")
    var batchSize = 32
    @Option(help: "Decoding threads.")
    var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    @OptionGroup var compute: PrecisionOption
    @Flag(name: .customLong("skip-bad"), help: "Leave out (and list) images that fail to decode instead of stopping.")
    var skipBad = false
    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one --model") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        try reportingFailure("evaluate") {
            try Engine.shared.setPrecision(compute.precision)
            let members = try model.map { path -> EvaluationMember in
                let c = try loadCheckpoint(path)
                return EvaluationMember(name: path, model: c.model, preprocessing: c.metadata.preprocessing, classNames: c.metadata.classNames)
            }
            let dataset = try evaluationImages(data)
            if let bad = members.first(where: { $0.classNames != dataset.classNames }) {
                throw ValidationError("--model '\(bad.name)' was trained on the classes \(bad.classNames.joined(separator: ", ")); "
                                      + "--data '\(data)' has \(dataset.classNames.joined(separator: ", "))")
            }
            let result = try evaluate(members, on: dataset, tta: tta, batchSize: batchSize, workers: workers,
                                  skipBad: skipBad)
            if json {
                print(evaluationJSON(result))
            } else {
                print(evaluationTable(result))
                if !result.skipped.isEmpty { print(OptionSpelling.spell(skippedImagesLine(result.skipped))) }
            }
        }
    }
}
