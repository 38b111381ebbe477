import GraftCore
import GraftHub
import GraftModels
import GraftNN

/// The network a run trains, with the facts the later steps need about it.
struct TrainingModel {
    let spec: ModelSpec
    /// The weights it started from.
    let weights: ChosenWeights
    let head: HeadConfig
    let module: any TransferModel
    /// The freeze policy applied to `module`.
    let policy: FreezePolicy
    /// The evaluation and training transforms at the run's input size, from the weights' preprocessing.
    let pipelines: RunPipelines
}

/// The model step of a run: resolves `options.weights` (fetching a published set from `store`,
/// its download's progress going to `reporter`), seeds the random source and sets the
/// precision, builds the zoo model with a new head for `classNames` (from those weights or
/// freshly initialised), overrides its BatchNorm momentum when asked, and freezes what the
/// freeze policy says.
func buildTrainingModel(_ options: TransferOptions, classNames: [String], store: @autoclosure () throws -> WeightStore,
                        reporter: RunReporter) throws -> TrainingModel {
    let spec = try ModelZoo.spec(options.model)
    let weights: ChosenWeights
    do {
        defer { reporter.downloadEnded() }
        weights = try ChosenWeights.resolve(options.weights, for: spec, store: try store(),
                                            progress: { [reporter] in reporter.downloading($0) })
    }
    let preprocessing = weights.choice.preprocessing(for: spec)
    let pipelines = try RunPipelines(preprocessing: preprocessing, size: options.imageSize ?? preprocessing.inputSize,
                                     augment: options.augment)
    GlobalRandom.seed(options.seed)
    try Engine.shared.setPrecision(options.precision)
    let head = HeadConfig(classes: classNames.count, hidden: options.hidden, dropout: options.dropout)
    let model = try buildModel(spec: spec, weights: weights.path, head: head)
    if let momentum = options.bnMomentum {
        for case let bn as BatchNorm2d in model.namedModules().map(\.1) { bn.momentum = momentum }
    }
    let policy = options.freezePolicy
    _ = try policy.apply(to: model, spec: spec)
    return TrainingModel(spec: spec, weights: weights, head: head, module: model, policy: policy, pipelines: pipelines)
}
