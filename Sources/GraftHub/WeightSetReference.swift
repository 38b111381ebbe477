import GraftModels

/// A weight set named on the command line: `resnet50` (its default set) or `resnet50.IMAGENET1K_V1`.
public struct WeightSetReference: Sendable, Equatable {
    public let model: String
    public let set: WeightSet

    public init(model: String, set: WeightSet) { self.model = model; self.set = set }

    /// Reads `text`: a model's name (its default set), or `MODEL.SET` with the set's name in any
    /// case (`imagenet` is the default). The error names an unknown model, or lists the model's sets.
    public init(_ text: String) throws {
        let dot = ModelZoo.names.contains(text) ? nil : text.lastIndex(of: ".")
        let spec = try ModelZoo.spec(dot.map { String(text[..<$0]) } ?? text)
        let setName = dot.map { String(text[text.index(after: $0)...]) } ?? ModelSpec.defaultWeightsName
        self.init(model: spec.name, set: try spec.weightSet(named: setName))
    }

    /// `model.SET`, as `init(_:)` reads it.
    public var qualifiedName: String { Self.qualifiedName(model: model, set: set.name) }

    /// `model.SET` for a set named `set`.
    public static func qualifiedName(model: String, set: String) -> String { "\(model).\(set)" }
}
