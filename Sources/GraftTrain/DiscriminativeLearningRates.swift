import Foundation
import GraftCore
import GraftModels
import GraftNN

/// Optimizer groups for discriminative learning rates: one group per stage of `model`, input
/// first, then the head with the auxiliary heads (named "head") at `baseLR`; a stage `d`
/// stages below the head gets `baseLR · factor^d`. Every parameter is in a group, frozen ones
/// included (the optimizer skips parameters without a gradient), so that stages unfrozen
/// later train at their own rate. A parameter outside every stage and head throws, naming it.
public func parameterGroups(model: any TransferModel, spec: ModelSpec, baseLR: Float, weightDecay: Float,
                            factor: Float) throws -> [ParamGroup] {
    guard factor > 0, factor.isFinite else {
        throw GraftError.invalidArgument(op: "parameterGroups", detail: "the learning-rate factor must be positive, not \(factor)")
    }
    let trunk = model.trunkStagePaths
    let heads = [model.headPath] + model.auxiliaryHeadPaths
    var groups = trunk.enumerated().map { i, stage in
        ParamGroup(parameters: [], lr: baseLR * Float(pow(Double(factor), Double(trunk.count - i))),
                   weightDecay: weightDecay, name: stage)
    }
    groups.append(ParamGroup(parameters: [], lr: baseLR, weightDecay: weightDecay, name: "head"))
    for (name, p) in model.namedParameters() {
        if let i = trunk.firstIndex(where: { model.stage($0, holds: name) }) {
            groups[i].parameters.append(p)
        } else if heads.contains(where: { parameterName(name, isUnder: $0) }) {
            groups[trunk.count].parameters.append(p)
        } else {
            throw GraftError.invalidArgument(op: "parameterGroups", detail: "parameter '\(name)' is in no stage of \(spec.name)")
        }
    }
    return groups
}
