import GraftCore
import GraftData
import GraftNN

/// The images a `--precision int8` run calibrates its activation ranges on: the first
/// `calibrationBatches` batches of its training images in the order its seed shuffles them,
/// under the evaluation pipeline (so the same for a seed). The frozen part runs int8 with the
/// ranges measured before training; `refresh` measures the whole model again (the trained
/// part's activations move) for the validation pass and the checkpoints.
final class TrainingCalibration {
    private let inputs: [Tensor]
    /// The ranges of the latest `refresh`.
    private(set) var latest: ActivationRanges

    init(model: Module, data: TrainingData, pipelines: RunPipelines, options: TransferOptions) throws {
        let loader = try DataLoader(dataset: data.train, batchSize: options.batchSize, workers: options.workers, shuffle: true,
                                    seed: options.seed, skipFailures: options.skipBad, makeSample: pipelines.sampleMaker(pipelines.evaluation))
        let epoch = loader.epoch(0)
        var inputs: [Tensor] = []
        while inputs.count < options.calibrationBatches, let batch = try epoch.next() { inputs.append(batch.images) }
        self.inputs = inputs
        latest = try CompiledInference(model).calibrate(inputs)
    }

    /// Measures the whole model's ranges with its current weights, keeps and returns them.
    @discardableResult
    func refresh(_ model: Module) throws -> ActivationRanges {
        latest = try CompiledInference(model).calibrate(inputs)
        return latest
    }
}
