import Foundation
import GraftCore
import GraftHub
import GraftModels

extension TransferOptions {
    /// Checks every option once, before anything is built or written: ranges of the numbers,
    /// the files named, the model and its freeze policy, the augmentation, the run folder and,
    /// when resuming, the saved recipe. Throws `TrainingOptionError` naming the option at fault.
    public func validate() throws {
        guard ModelZoo.names.contains(model) else {
            throw TrainingOptionError(.model, "'\(model)' is not a known model; known models: \(ModelZoo.names.joined(separator: ", "))")
        }
        try validateNumbers()
        if precision == .bfloat16 && !Engine.shared.supportsBFloat16 {
            throw TrainingOptionError(.precision, "bf16 needs a CPU with AVX512-BF16; this one has not got it")
        }
        if precision == .int8 && !Engine.shared.supportsInt8 {
            throw TrainingOptionError(.precision, "int8 needs a CPU with AVX512-VNNI or AVX-VNNI; this one has not got it (use fp32 or bf16)")
        }
        guard FileManager.default.fileExists(atPath: data) else {
            throw TrainingOptionError(.data, "'\(data)': no such file or directory")
        }
        let spec = try ModelZoo.spec(model)
        let preprocessing = try WeightsChoice.parseOption(weights, for: spec).preprocessing(for: spec)
        try freezePolicy.validate(for: spec, head: HeadConfig(classes: 2, hidden: hidden, dropout: dropout))
        _ = try RunPipelines(preprocessing: preprocessing, size: imageSize ?? preprocessing.inputSize, augment: augment)
        try RunFiles(out).checkUse(resume: resume, resumeWithChanges: resumeWithChanges, overwrite: overwrite)
        if resume {
            do {
                _ = try ResumePoint.changes(files: RunFiles(out), options: self, recipe: recipe(self))
            } catch let error as TrainingOptionError {
                throw error
            } catch {
                // A run folder that cannot be read is the run's to report, naming the file.
            }
        }
    }

    /// Checks the ranges of the numeric options.
    func validateNumbers() throws {
        func check(_ ok: Bool, _ option: TrainingOption, _ problem: @autoclosure () -> String) throws {
            if !ok { throw TrainingOptionError(option, problem()) }
        }
        try check((1...Self.maximumEpochs).contains(epochs), .epochs, "must be 1 to \(Self.maximumEpochs), not \(epochs)")
        try check((1...Self.maximumBatchSize).contains(batchSize), .batchSize,
                  "must be 1 to \(Self.maximumBatchSize), not \(batchSize)")
        try check(learningRate > 0 && learningRate.isFinite, .learningRate, "must be a positive number, not \(learningRate)")
        try check(weightDecay >= 0, .weightDecay, "must not be negative")
        try check(momentum >= 0 && momentum < 1, .momentum, "must be in [0, 1), not \(momentum)")
        try check((0..<1).contains(labelSmoothing), .labelSmoothing, "must be in [0, 1), not \(labelSmoothing)")
        try check(patience >= 0, .patience, "must not be negative")
        try check(hidden.count <= HeadConfig.maximumHiddenLayers, .hidden,
                  "has \(hidden.count) layers; at most \(HeadConfig.maximumHiddenLayers)")
        if let w = hidden.first(where: { !(1...HeadConfig.maximumHiddenWidth).contains($0) }) {
            throw TrainingOptionError(.hidden, "sizes must be 1 to \(HeadConfig.maximumHiddenWidth), not \(w)")
        }
        try check((0..<1).contains(dropout), .dropout, "must be in [0, 1), not \(dropout)")
        try check(lrFactor > 0 && lrFactor <= 1, .lrFactor, "must be in (0, 1], not \(lrFactor)")
        try check(unfreezeEvery >= 0, .unfreezeEvery, "must not be negative")
        if let m = bnMomentum { try check(m > 0 && m <= 1, .bnMomentum, "must be in (0, 1], not \(m)") }
        if let v = cacheViews {
            try check((1...Self.maximumCacheViews).contains(v), .cacheViews, "must be 1 to \(Self.maximumCacheViews), not \(v)")
        }
        if let b = cacheBudget { try check(b >= 0, .cacheBudget, "must not be negative") }
        try check(valFraction > 0 && valFraction < 1, .valFraction, "must be between 0 and 1, not \(valFraction)")
        if let n = perClass { try check(n > 0, .perClass, "must be at least 1") }
        if let n = valLimit { try check(n > 0, .valLimit, "must be at least 1") }
        if let s = imageSize {
            try check((8...Preprocessing.maximumInputSize).contains(s), .imageSize,
                      "must be 8 to \(Preprocessing.maximumInputSize), not \(s)")
        }
        try check((0...Self.maximumWorkers).contains(workers), .workers, "must be 0 to \(Self.maximumWorkers), not \(workers)")
    }
}
