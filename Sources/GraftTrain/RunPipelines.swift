import GraftData
import GraftModels

/// The training and evaluation transforms of a run, for a model's input.
public struct RunPipelines: Sendable {
    public let train: Pipeline
    public let evaluation: Pipeline
    /// The input the trained model expects, as its checkpoint records it.
    public let preprocessing: Preprocessing

    /// The transforms of `p` (the weights' preprocessing) at input side `size`. Evaluation:
    /// resize the shorter side to `size × resizeShorter / inputSize` (256 for 224) with its
    /// interpolation, centre crop `size`. Training: `augment`, or by default a random resized
    /// crop and a horizontal flip for RGB inputs of 64 px and more, the evaluation transform otherwise.
    public init(preprocessing p: Preprocessing, size: Int, augment: String?) throws {
        let resize = Int((Double(size) * Double(p.resizeShorter) / Double(p.inputSize)).rounded())
        var scaled = p
        scaled.inputSize = size; scaled.resizeShorter = resize
        preprocessing = scaled
        let evalSpec = "resize(\(resize), interpolation=\(p.interpolation.rawValue)), center-crop(\(size))"
        let trainSpec = augment ?? (p.channels == 3 && size >= 64 ? "random-resized-crop(\(size)), hflip" : evalSpec)
        evaluation = try Pipeline(spec: evalSpec, mean: p.mean, std: p.std)
        do {
            train = try Pipeline(spec: trainSpec, mean: p.mean, std: p.std)
        } catch {
            throw TrainingOptionError(.augment, "'\(trainSpec)': \(error)")
        }
    }

    /// A loader's sample maker for undecoded images: a grey or RGB JPEG of the model's channels
    /// goes through `pipeline` decoding only around a random crop; anything else is decoded,
    /// converted to the model's channels, then transformed. Same samples as `sampleMaker`.
    public func encodedSampleMaker(_ pipeline: Pipeline) -> EncodedSampleMaker {
        let channels = preprocessing.channels
        return { encoded, generator in
            if encoded.partialDecoding?.channels == channels { return try pipeline(encoded, using: &generator) }
            return try pipeline(try encoded.decode().converted(channels: channels), using: &generator)
        }
    }

    /// A loader's sample maker: the image converted to the model's channels, then `pipeline`.
    public func sampleMaker(_ pipeline: Pipeline) -> SampleMaker {
        let channels = preprocessing.channels
        return { image, generator in try pipeline(image.converted(channels: channels), using: &generator) }
    }
}
