import GraftCore
import GraftModels
import GraftNN

/// The network a run trains, with the facts the later steps need about it.
struct TrainingModel {
    let spec: ModelSpec
    let head: HeadConfig
    let module: any TransferModel
    /// The freeze policy applied to `module`.
    let policy: FreezePolicy
    /// The evaluation and training transforms at the run's input size.
    let pipelines: RunPipelines
}

/// The model step of a run: seeds the random source and sets the precision, builds the zoo
/// model with a new head for `classNames` (from `options.weights` or freshly initialised),
/// overrides its BatchNorm momentum when asked, and freezes what the freeze policy says.
func buildTrainingModel(_ options: TransferOptions, classNames: [String]) throws -> TrainingModel {
    let spec = try ModelZoo.spec(options.model)
    let pipelines = try RunPipelines(spec: spec, size: options.imageSize ?? spec.preprocessing.inputSize, augment: options.augment)
    GlobalRandom.seed(options.seed)
    try Engine.shared.setPrecision(options.precision)
    let head = HeadConfig(classes: classNames.count, hidden: options.hidden, dropout: options.dropout)
    let model = try buildModel(spec: spec, weights: options.weights, head: head)
    if let momentum = options.bnMomentum {
        for case let bn as BatchNorm2d in model.namedModules().map(\.1) { bn.momentum = momentum }
    }
    let policy = options.freezePolicy
    _ = try policy.apply(to: model, spec: spec)
    return TrainingModel(spec: spec, head: head, module: model, policy: policy, pipelines: pipelines)
}
