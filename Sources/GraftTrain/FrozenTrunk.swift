import GraftCore
import GraftModels
import GraftNN

/// Whether `model`'s trunk, as it now stands, computes its inference forward and trains
/// nothing: every parameter outside the head is frozen, there is no auxiliary head, and no
/// dropout or stochastic depth outside the head is in training mode (a frozen batch norm
/// normalises with its running statistics in either mode). Such a trunk can run compiled
/// (`CompiledInference` of `forwardFeatures`) with only the head recording gradients.
func trunkRunsAsInference(_ model: any TransferModel) -> Bool {
    let head = model.headPath
    guard model.auxiliaryHeads.isEmpty else { return false }
    for (name, parameter) in model.namedParameters() where parameter.requiresGrad && !parameterName(name, isUnder: head) {
        return false
    }
    for (path, module) in model.namedModules() where module.training && !parameterName(path, isUnder: head) {
        if let d = module as? Dropout, d.p > 0 { return false }
        if let s = module as? StochasticDepth, s.p > 0 { return false }
    }
    return true
}
