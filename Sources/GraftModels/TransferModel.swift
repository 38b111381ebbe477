import GraftCore
import GraftNN

/// What a zoo model knows about itself for transfer learning, declared in the model's own file
/// (timm's `get_classifier`, `forward_features`/`forward_head` and `group_matcher`): its head,
/// its auxiliary heads, and its stages, the units of freezing by depth.
public protocol TransferModel: Module {
    /// The classification head as it now runs: the layer as built or, after head surgery, what
    /// replaced it. `forward` ends with it.
    var head: Module { get }
    /// The auxiliary classifiers that training mode also returns (GoogLeNet's `aux1`, `aux2`),
    /// trained whenever the head is; none by default.
    var auxiliaryHeads: [Module] { get }
    /// The weight of each auxiliary classifier's loss while training (0 without them).
    var auxiliaryLossWeight: Float { get }
    /// The units of freezing by depth and of discriminative learning rates, from input to head,
    /// the head last. Every parameter lies in exactly one stage or auxiliary head.
    var stages: [Module] { get }
    /// The stages' names, input first, the head last: by default their dotted paths.
    var stagePaths: [String] { get }
    /// The parameter-name prefixes of a stage of `stagePaths` (what `Module.freeze` takes):
    /// by default the stage's path itself.
    func parameterPrefixes(ofStage stage: String) -> [String]
    /// The trunk's output, the input of `head`, computed without running the head.
    func forwardFeatures(_ x: Tensor) throws -> Tensor
    /// The logits from `forwardFeatures`'s output: by default `head(features)`; what follows
    /// the head in `forward` too, where something does (SqueezeNet's ReLU and pooling).
    func forwardHead(_ features: Tensor) throws -> Tensor
}

extension TransferModel {
    public var auxiliaryHeads: [Module] { [] }
    public var auxiliaryLossWeight: Float { 0 }

    public func forwardHead(_ features: Tensor) throws -> Tensor { try head(features) }

    /// The dotted path of a module of this model (`fc`, `classifier.6`), nil when not one of its modules.
    public func path(of module: Module) -> String? {
        namedModules().first { $0.1 === module }?.0
    }

    /// The dotted paths of `modules`, in order; a module that is not this model's is left out.
    func paths(of modules: [Module]) -> [String] {
        let byIdentity = Dictionary(namedModules().map { (ObjectIdentifier($0.1), $0.0) }) { first, _ in first }
        return modules.compactMap { byIdentity[ObjectIdentifier($0)] }
    }

    /// The head's dotted path (`fc`, `classifier.6`, `_fc`).
    public var headPath: String { path(of: head) ?? "" }
    /// The auxiliary heads' dotted paths (`aux1`, `aux2`).
    public var auxiliaryHeadPaths: [String] { paths(of: auxiliaryHeads) }
    public var stagePaths: [String] { paths(of: stages) }
    public func parameterPrefixes(ofStage stage: String) -> [String] { [stage] }
    /// The stages below the head, input first.
    public var trunkStagePaths: [String] { stagePaths.filter { $0 != headPath } }

    /// The parameter-name prefixes of `stages` (names of `stagePaths`), in order.
    public func parameterPrefixes(ofStages stages: [String]) -> [String] { stages.flatMap(parameterPrefixes(ofStage:)) }

    /// Whether the parameter `name` lies in `stage`.
    public func stage(_ stage: String, holds name: String) -> Bool {
        parameterPrefixes(ofStage: stage).contains { parameterName(name, isUnder: $0) }
    }
}

/// The modules among `modules` that hold parameters, in order: the stages of a model whose
/// layers sit in `Sequential`s (VGG's convolutions and fully connected layers).
public func withParameters(_ modules: [Module]) -> [Module] {
    modules.filter { !$0.parameters().isEmpty }
}

/// Whether a dotted parameter name lies under a module prefix, by whole path components
/// ("layer1" covers "layer1.0.conv1.weight" but not "layer10.weight"), as `Module.freeze` matches.
public func parameterName(_ name: String, isUnder prefix: String) -> Bool {
    let p = prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix
    return name == p || name.hasPrefix(p + ".")
}
