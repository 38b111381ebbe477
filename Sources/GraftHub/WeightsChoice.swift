import Foundation
import GraftCore
import GraftModels

/// What `--weights` asks for.
public enum WeightsChoice: Sendable, Equatable {
    /// A published set (`imagenet`, `IMAGENET1K_V2`).
    case pretrained(WeightSet)
    /// A weight file (.safetensors, .pth).
    case file(String)
    /// Random initialisation.
    case none
    /// The weights the model is built with (an imported ONNX file's own), at this path.
    case included(String)

    /// The `--weights` word for random initialisation.
    public static let noneArgument = "none"

    /// The choice `argument` makes for `spec`: nil means the default pretrained set (random
    /// initialisation for a model with none), `none` random initialisation, `imagenet` or a
    /// set's name that set, anything else a file. A word that is neither a set nor an existing
    /// file throws `UnknownWeightSetError`, which lists the model's sets. (A path, with a `/`
    /// or an extension, is a file even when it does not exist: loading it says so.)
    public static func parse(_ argument: String?, for spec: ModelSpec) throws -> WeightsChoice {
        guard let argument else {
            if let source = spec.includedWeights { return .included(source) }
            return spec.defaultWeights.map(WeightsChoice.pretrained) ?? .none
        }
        if argument.lowercased() == noneArgument {
            if let source = spec.includedWeights {
                throw GraftError.invalidArgument(op: "--weights", detail: "none: \(spec.name) brings its own weights from \(source); train it as it is, or give a weight file")
            }
            return .none
        }
        do {
            return .pretrained(try spec.weightSet(named: argument))
        } catch {
            guard argument.contains("/") || argument.contains(".") || FileManager.default.fileExists(atPath: argument) else {
                throw error
            }
            return .file(argument)
        }
    }
}
