import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftTrain

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate checkpoints or pretrained models on labelled images, with test-time augmentation and ensembles.",
        discussion: """
        --data is an ImageFolder root (its test/ folder, else val/, else every class folder), a \
        CSV file, or an IDX directory (its t10k files). Each --model is a checkpoint written by \
        graft train or a zoo architecture with --weights (default: its default pretrained set; \
        the set's class names, or ImageNet's for a 1000-class file); the data's class folders \
        must carry the model's class names. With several, their class probabilities are averaged \
        (an ensemble) and each member is reported too. --tta: none (resize + centre crop), flip (and its mirror), ten-crop \
        (four corners + centre, and mirrors), multi-scale (centre crops at three scales, and mirrors).

        With --json: {"top1": …, "top5": …, "n": …, "per_class": [...], "confusion": [[...]]} for \
        the model or the ensemble, with "members": [{"name": …, "top1": …, …}] for an ensemble. \
        --skip-bad leaves out images that fail to decode (listed, and under "skipped_images").

        Examples:
          graft evaluate --model run/best.safetensors --data photos --tta ten-crop
          graft evaluate --model a/best.safetensors --model b/best.safetensors --data photos --json
          graft evaluate --model resnet50 --weights IMAGENET1K_V2 --data imagenet-sample
        """)

    @Option(help: "A checkpoint written by graft train, or a zoo architecture (repeat for an ensemble).")
    var model: [String]
    @Option(help: ArgumentHelp("The weights of each architecture among --model: imagenet or a weight set's name, or a weight file (default: its default pretrained set).", valueName: "SET|FILE"))
    var weights: String?
    @OptionGroup var store: WeightStoreFlags
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

    @OptionGroup var onnx: ONNXFlags

    func validate() throws {
        for m in model { try onnx.register(m) }
        guard !model.isEmpty else { throw ValidationError("give at least one --model") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        let architectures = try model.filter(ModelZoo.names.contains).map { try ModelZoo.spec($0) }
        if architectures.isEmpty, weights != nil {
            throw ValidationError("--weights goes with a zoo architecture as --model; a checkpoint carries its own weights")
        }
        for spec in architectures {
            _ = try parseTrainedWeights(weights, for: spec, subject: "--model \(spec.name)", purpose: "evaluating")
        }
    }

    func run() throws {
        try reportingFailure("evaluate") {
            try Engine.shared.setPrecision(compute.precision)
            let members = try model.map { name -> EvaluationMember in
                guard ModelZoo.names.contains(name) else {
                    let c = try loadCheckpoint(name)
                    return EvaluationMember(name: name, model: c.model, preprocessing: c.metadata.preprocessing, classNames: c.metadata.classNames,
                                            activationRanges: c.activationRanges)
                }
                let p = try Predictor(weights: try store.choose(weights, for: try ModelZoo.spec(name)))
                guard let classNames = p.labels else {
                    throw ValidationError("--model \(name) --weights '\(weights ?? "")': the file's classes have no names to match --data's class folders with")
                }
                return EvaluationMember(name: name, model: p.model, preprocessing: p.preprocessing, classNames: classNames)
            }
            let dataset = try evaluationImages(data)
            if let bad = members.first(where: { $0.classNames != dataset.classNames }) {
                throw ValidationError("--model '\(bad.name)' was trained on the classes \(listed(bad.classNames)); "
                                      + "--data '\(data)' has \(listed(dataset.classNames))")
            }
            let result = try evaluate(members, on: dataset, tta: tta, batchSize: batchSize, workers: workers, skipBad: skipBad,
                                      calibrationBatches: compute.calibrationBatches) { name, batches in
                FileHandle.standardError.write(Data("graft evaluate: --precision int8 calibrates '\(name)' on the first \(batches) batch\(batches == 1 ? "" : "es") of --data (it carries no activation ranges; --calibration-batches)\n".utf8))
            }
            if json {
                print(evaluationJSON(result))
            } else {
                print(evaluationTable(result))
                if !result.skipped.isEmpty { print(OptionSpelling.spell(skippedImagesLine(result.skipped))) }
            }
        }
    }
}

/// Class names for a message: all of a few, else the first ten and how many there are.
private func listed(_ names: [String]) -> String {
    names.count <= 12 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + ", … (\(names.count) classes)"
}
