import GraftCore

/// A pipeline from its text in the pipeline syntax (`Pipeline.specHelp`), and back. Each step
/// is cut out by the grammar (`PipelineGrammar`) and built by its registry entry
/// (`TransformRegistry`). Steps before `normalize` work on the 8-bit image, steps after it
/// on the normalised float sample; without `normalize`, it is implied after the last image
/// step.
extension Pipeline {
    /// The pipeline `spec` describes (see `Pipeline.specHelp`), normalising with `mean` and
    /// `std`; throws naming the bad token, listing the known transforms for an unknown name.
    public init(spec: String, mean: [Float], std: [Float]) throws {
        var images: [any ImageTransform] = [], samples: [any SampleTransform] = []
        var normalized = false
        for text in try PipelineGrammar.stepTexts(spec) {
            let step = try PipelineGrammar.step(text)
            if step.name == "normalize" {
                guard !normalized else { throw PipelineGrammar.error("'normalize' appears twice") }
                guard step.arguments.isEmpty else {
                    throw PipelineGrammar.error("'\(text)': normalize takes no arguments (mean and std come from the model)")
                }
                normalized = true
                continue
            }
            guard let entry = TransformRegistry.entry(named: step.name) else {
                throw PipelineGrammar.error("unknown transform '\(step.rawName)'; known transforms: \(Pipeline.specNames.joined(separator: ", "))")
            }
            switch entry.stage {
            case .image: guard !normalized else { throw PipelineGrammar.error("'\(text)' works on the 8-bit image; put it before 'normalize'") }
            case .sample: guard normalized else { throw PipelineGrammar.error("'\(text)' works on the normalised sample; put it after 'normalize'") }
            }
            switch try entry.build(step.arguments) {
            case let .image(transform): images.append(transform)
            case let .sample(transform): samples.append(transform)
            }
        }
        self.init(imageTransforms: images, toSample: try ToSample(mean: mean, std: std), sampleTransforms: samples)
    }

    /// The pipeline in the spec syntax (its normalisation as `normalize`), or nil when a step
    /// has no spelling there (a transform from elsewhere, lighting with custom components).
    public var spec: String? {
        var parts: [String] = []
        for t in imageTransforms {
            guard let s = (t as? any SpecTransform)?.spec else { return nil }
            parts.append(s)
        }
        parts.append("normalize")
        for t in sampleTransforms {
            guard let s = (t as? any SpecTransform)?.spec else { return nil }
            parts.append(s)
        }
        return parts.joined(separator: ", ")
    }
}
