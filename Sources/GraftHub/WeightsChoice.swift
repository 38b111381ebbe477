import Foundation
import GraftModels

/// What `--weights` asks for.
public enum WeightsChoice: Sendable, Equatable {
    /// A published set (`imagenet`, `IMAGENET1K_V2`).
    case pretrained(WeightSet)
    /// A weight file (.safetensors, .pth).
    case file(String)
    /// Random initialisation.
    case none

    /// The choice `argument` makes for `spec`: nil means the default pretrained set (random
    /// initialisation for a model with none), `none` random initialisation, `imagenet` or a
    /// set's name that set, anything else a file. A word that is neither a set nor an existing
    /// file throws `UnknownWeightSetError`, which lists the model's sets.
    public static func parse(_ argument: String?, for spec: ModelSpec) throws -> WeightsChoice {
        fatalError("GraftHub: not yet built")
    }
}

/// A weight set named on the command line: `resnet50` (its default set) or `resnet50.IMAGENET1K_V1`.
public struct WeightSetReference: Sendable, Equatable {
    public let model: String
    public let set: WeightSet

    /// Reads `text`; the error names an unknown model, or lists the model's sets.
    public init(_ text: String) throws {
        fatalError("GraftHub: not yet built")
    }
}
