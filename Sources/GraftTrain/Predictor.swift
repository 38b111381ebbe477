import Foundation
import GraftCore
import GraftData
import GraftIO
import GraftModels
import GraftNN

/// One class of a prediction.
public struct ClassScore: Sendable, Equatable {
    public var index: Int
    public var label: String?
    public var probability: Float
}

/// What a model says about one image.
public struct Prediction: Sendable {
    public var path: String
    /// The top classes, most probable first.
    public var top: [ClassScore]
    public var logits: [Float]
}

/// A zoo model with its weights, classifying image files with the model's own eval
/// preprocessing (resize the shorter side, centre crop, normalise).
public final class Predictor {
    public let spec: ModelSpec
    public let model: Module
    /// Class names, when known (ImageNet's for a 1000-class file, a checkpoint's own).
    public let labels: [String]?
    /// How images are prepared: the spec's, or the checkpoint's.
    public let preprocessing: Preprocessing
    /// The model's forward, compiled.
    private let inference: CompiledInference

    /// The activation ranges int8 prediction quantises with: a checkpoint's own, or those
    /// `calibrate` measured; nil until then.
    public var activationRanges: ActivationRanges? { inference.activationRanges }

    /// A zoo model with `weights`, loaded strictly: a published set's file, with the set's class
    /// names and preprocessing; or a weight file, the model built with as many classes as its
    /// head has (ImageNet's names for 1000) and the model's own preprocessing.
    public init(weights: ChosenWeights) throws {
        let spec = try ModelZoo.spec(weights.model)
        let model: any TransferModel, classes: Int
        if case .included = weights.origin {
            (model, classes) = (try spec.make(numClasses: spec.defaultNumClasses), spec.defaultNumClasses)
        } else if let path = weights.path {
            (model, classes) = try modelLoaded(from: path, spec: spec)
        } else {
            throw GraftError.invalidArgument(op: "predict", detail: "\(spec.name) with random weights predicts nothing; give pretrained weights")
        }
        self.spec = spec
        self.model = model
        inference = CompiledInference(model)
        model.eval()
        let names = weights.set?.classNames ?? ImageNetClasses.names
        labels = names.count == classes ? names : nil
        preprocessing = weights.choice.preprocessing(for: spec)
    }

    /// `init(weights:)` with the weight file at `weightsPath`.
    public convenience init(modelName: String, weightsPath: String) throws {
        try self.init(weights: ChosenWeights(model: modelName, origin: .file(weightsPath)))
    }

    /// Everything from a Graft checkpoint: architecture, head, weights, class names and preprocessing.
    public init(checkpoint path: String) throws {
        let loaded = try loadCheckpoint(path)
        spec = loaded.spec
        model = loaded.model
        inference = CompiledInference(model)
        inference.activationRanges = loaded.activationRanges
        labels = loaded.metadata.classNames
        preprocessing = loaded.metadata.preprocessing
    }

    /// The network's input for the image at `path`: `[1, C, H, W]`.
    public func preprocess(_ path: String) throws -> Tensor {
        let p = preprocessing
        do {
            let image = try Image(contentsOf: path).converted(channels: p.channels)
            return try image.resizeAndCenterCrop(shorterSide: p.resizeShorter, crop: p.inputSize, interpolation: p.interpolation)
                .toTensor(mean: p.mean, std: p.std)
        } catch {
            throw SourcedError(source: path, underlying: error)
        }
    }

    /// Measures the activation ranges of int8 prediction on `inputs` (preprocessed, as
    /// `preprocess` makes them), replacing any it had.
    public func calibrate(_ inputs: [Tensor]) throws {
        try inference.calibrate(inputs)
    }

    /// The `topK` most probable classes for the image at `path`.
    public func predict(_ path: String, topK: Int) throws -> Prediction {
        try predict(input: preprocess(path), path: path, topK: topK)
    }

    /// The `topK` most probable classes for an already preprocessed input `[1, C, H, W]`.
    public func predict(input: Tensor, path: String, topK: Int) throws -> Prediction {
        let logits = try inference(input).toArray()
        let top = topClasses(logits, k: topK).map { i, p in ClassScore(index: i, label: labels?[i], probability: p) }
        return Prediction(path: path, top: top, logits: logits)
    }
}

/// The `k` largest softmax probabilities of `logits`, as (index, probability), largest first
/// (ties: lower index first). With a NaN or infinite logit (a diverged model) every
/// probability is NaN and the classes come in index order.
func topClasses(_ logits: [Float], k: Int) -> [(Int, Float)] {
    guard logits.allSatisfy(\.isFinite) else { return logits.indices.prefix(k).map { ($0, Float.nan) } }
    let m = logits.max() ?? 0
    let exps = logits.map { Foundation.exp(Double($0 - m)) }
    let total = exps.reduce(0, +)
    return exps.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
        .prefix(k).map { ($0.offset, Float($0.element / total)) }
}
