import GraftModels

/// A weight set named on the command line: `resnet50` (its default set) or `resnet50.IMAGENET1K_V1`.
public struct WeightSetReference: Sendable, Equatable {
    public let model: String
    public let set: WeightSet

    /// Reads `text`: a model's name (its default set), or `MODEL.SET` with the set's name in any
    /// case (`imagenet` is the default). The error names an unknown model, or lists the model's sets.
    public init(_ text: String) throws {
        let modelName: String
        let setName: String
        if ModelZoo.names.contains(text) {
            modelName = text
            setName = "imagenet"
        } else if let dot = text.lastIndex(of: ".") {
            modelName = String(text[..<dot])
            setName = String(text[text.index(after: dot)...])
        } else {
            modelName = text
            setName = "imagenet"
        }
        let spec = try ModelZoo.spec(modelName)
        model = spec.name
        set = try spec.weightSet(named: setName)
    }
}
