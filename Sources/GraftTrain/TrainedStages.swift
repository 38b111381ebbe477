import GraftModels
import GraftNN

/// The stages of `model` (and its auxiliary heads) in which it trains at least one parameter,
/// input first: what the freeze policy leaves trainable, in the model's own words.
public func trainedStages(of model: any TransferModel) -> [String] {
    let trained = model.namedParameters().filter { $0.1.requiresGrad }.map(\.0)
    return model.stagePaths.filter { stage in trained.contains { model.stage(stage, holds: $0) } }
        + model.auxiliaryHeadPaths.filter { stage in trained.contains { parameterName($0, isUnder: stage) } }
}
