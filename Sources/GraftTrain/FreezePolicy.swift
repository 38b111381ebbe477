import Foundation
import GraftModels
import GraftNN

/// Which parameters fine-tuning trains, as the `freeze` option says it. Depth is counted in
/// the model's stages (`TransferModel.stages`, the head last); auxiliary heads train whenever the
/// head does.
public enum FreezePolicy: Codable, Equatable, Sendable, CustomStringConvertible {
    /// `head`: only the head and the auxiliary heads train.
    case head
    /// `last:K`: the last K stages below the head train too.
    case last(Int)
    /// `none`: everything trains.
    case none
    /// `p1,p2,…`: the parameters under these module prefixes are frozen, the rest trains.
    case prefixes([String])

    /// Parses a freeze policy as written in recipes and on the command line: `head`, `none`, `last:K` or comma-separated module prefixes.
    public init(flag: String) throws {
        func fail(_ why: String) -> TrainingOptionError { TrainingOptionError(.freeze, "'\(flag)': \(why)") }
        switch flag {
        case "head": self = .head
        case "none": self = .none
        case _ where flag.hasPrefix("last:"):
            guard let k = Int(flag.dropFirst(5)), k >= 0 else { throw fail("K in last:K must be a whole number ≥ 0") }
            self = .last(k)
        default:
            let parts = flag.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard !parts.contains(where: \.isEmpty) else {
                throw fail("expected head, none, last:K or comma-separated module prefixes")
            }
            self = .prefixes(parts)
        }
    }

    /// Decodes the flag value.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let flag = try c.decode(String.self)
        do {
            try self.init(flag: flag)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(error)")
        }
    }

    /// Encodes the flag value.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The flag value that parses back to this policy.
    public var description: String {
        switch self {
        case .head: return "head"
        case .none: return "none"
        case let .last(k): return "last:\(k)"
        case let .prefixes(p): return p.joined(separator: ",")
        }
    }

    /// Sets `requiresGrad` on every parameter of `model` (built from `spec`) as the policy says.
    /// Throws, changing nothing, when K exceeds the stages below the head or a prefix matches
    /// no parameter; the message names the flag and the culprit.
    @discardableResult
    public func apply(to model: any TransferModel, spec: ModelSpec) throws -> FreezeCounts {
        try check(model, spec)
        let heads = [model.headPath] + model.auxiliaryHeadPaths
        switch self {
        case .head:
            model.freeze()
            model.unfreeze(heads)
        case let .last(k):
            model.freeze()
            model.unfreeze(heads + model.parameterPrefixes(ofStages: Array(model.trunkStagePaths.suffix(k))))
        case .none:
            model.unfreeze()
        case let .prefixes(prefixes):
            model.unfreeze()
            model.freeze(expanded(prefixes, model))
        }
        return FreezeCounts(model)
    }

    /// Throws what `apply` would for a model of `spec` with `head`, before any model is built
    /// (one is built without initialisation to read its stages and parameter names).
    public func validate(for spec: ModelSpec, head: HeadConfig) throws {
        if case .head = self { return }
        if case .none = self { return }
        try check(spec.makeUndrawn(head: head), spec)
    }

    /// Throws, naming the flag and the culprit, when K exceeds the stages below the head or a
    /// prefix matches none of the parameter names.
    private func check(_ model: any TransferModel, _ spec: ModelSpec) throws {
        switch self {
        case .head, .none:
            return
        case let .last(k):
            let trunk = model.trunkStagePaths
            guard k <= trunk.count else {
                throw TrainingOptionError(.freeze, "'\(self)': \(spec.name) has only \(trunk.count) stages below its head")
            }
        case let .prefixes(prefixes):
            let names = model.namedParameters().map(\.0)
            for p in prefixes where !names.contains(where: { name in expanded([p], model).contains { parameterName(name, isUnder: $0) } }) {
                throw TrainingOptionError(.freeze, "'\(p)' matches no parameter of \(spec.name) (its stages: \(model.stagePaths.joined(separator: ", ")))")
            }
        }
    }
}

/// `prefixes` with each name of a stage of `model` replaced by the stage's parameter prefixes.
private func expanded(_ prefixes: [String], _ model: any TransferModel) -> [String] {
    prefixes.flatMap { model.stagePaths.contains($0) ? model.parameterPrefixes(ofStage: $0) : [$0] }
}

/// How many parameter elements a model trains and how many it keeps frozen.
public struct FreezeCounts: Equatable, Sendable, CustomStringConvertible {
    public var frozen: Int
    public var trainable: Int

    public init(frozen: Int, trainable: Int) {
        self.frozen = frozen; self.trainable = trainable
    }

    /// The counts of `model` as its parameters' `requiresGrad` now stand.
    public init(_ model: Module) {
        trainable = model.trainableParameterCount
        frozen = model.parameterCount - trainable
    }

    public var description: String { "\(trainable) trainable parameters, \(frozen) frozen" }
}

/// Training mode for fine-tuning, to be called instead of `model.train()`: everything trains,
/// except that each BatchNorm whose parameters are all frozen runs in inference mode, so that
/// it normalises with, and never updates, its running statistics.
public func setTrainingMode(_ model: Module) {
    model.train()
    for (_, m) in model.namedModules() where m is BatchNorm2d && m.isFrozen { m.eval() }
}
