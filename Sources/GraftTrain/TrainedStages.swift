import GraftModels
import GraftNN

/// The stages of `spec` (and its auxiliary heads) in which `model` trains at least one
/// parameter, input first: what the freeze policy leaves trainable, in the spec's own words.
public func trainedStages(of model: Module, spec: ModelSpec) -> [String] {
    let trained = model.namedParameters().filter { $0.1.requiresGrad }.map(\.0)
    let stages = trunkStages(spec) + [spec.head] + spec.auxiliaryHeads
    return stages.filter { stage in trained.contains { parameterName($0, isUnder: stage) } }
}
