import GraftCore

/// A preprocessing and augmentation pipeline: image transforms on the 8-bit image, then
/// `ToSample` (ToTensor + Normalize), then transforms on the float sample. A pipeline that
/// starts `RandomResizedCrop → HorizontalFlip →` ToSample (or `RandomResizedCrop →` ToSample)
/// crops, resizes, flips and normalises in one fused pass with the same result.
public struct Pipeline: Sendable {
    public let imageTransforms: [any ImageTransform]
    public let toSample: ToSample
    public let sampleTransforms: [any SampleTransform]

    public init(imageTransforms: [any ImageTransform], toSample: ToSample, sampleTransforms: [any SampleTransform] = []) {
        self.imageTransforms = imageTransforms; self.toSample = toSample; self.sampleTransforms = sampleTransforms
    }

    /// The sample of `image`, drawing every random choice from `generator`.
    public func callAsFunction(_ image: Image, using generator: inout RandomGenerator) throws -> Sample {
        var sample = try fusedSample(image, using: &generator) ?? unfusedImageSample(image, using: &generator)
        for transform in sampleTransforms { try transform.apply(&sample, using: &generator) }
        return sample
    }

    /// The image transforms one by one, then `toSample`.
    func unfusedImageSample(_ image: Image, using generator: inout RandomGenerator) throws -> Sample {
        var image = image
        for transform in imageTransforms { image = try transform.apply(image, using: &generator) }
        return try toSample.apply(image)
    }

    /// The fused crop–resize–flip–normalise, when the image transforms are exactly
    /// `RandomResizedCrop` optionally followed by `HorizontalFlip`; nil otherwise.
    func fusedSample(_ image: Image, using generator: inout RandomGenerator) throws -> Sample? {
        guard let crop = imageTransforms.first as? RandomResizedCrop else { return nil }
        let flip: HorizontalFlip?
        switch imageTransforms.count {
        case 1: flip = nil
        case 2:
            guard let f = imageTransforms[1] as? HorizontalFlip else { return nil }
            flip = f
        default: return nil
        }
        let c = image.channels, size = crop.size, plane = size * size
        let table = try toSample.table(channels: c)
        let b = crop.box(width: image.width, height: image.height, using: &generator)
        let mirror = flip.map { generator.nextFloat() < $0.p } ?? false
        let horizontal = b.width == size ? nil : ResampleAxis(inputSize: b.width, outputSize: size)
        let vertical = b.height == size ? nil : ResampleAxis(inputSize: b.height, outputSize: size)
        let bits = ResampleAxis.precisionBits, half = 1 << (bits - 1)
        // PIL's horizontal pass over the box's rows, to 8 bits.
        var rows = [UInt8](repeating: 0, count: b.height * size * c)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<b.height {
                    let srcRow = ((b.top + y) * image.width + b.left) * c, dstRow = y * size * c
                    guard let axis = horizontal else {
                        for i in 0..<(size * c) { dst[dstRow + i] = src[srcRow + i] }
                        continue
                    }
                    for x in 0..<size {
                        let lo = axis.first[x], n = axis.taps[x], wk = x * axis.kernelSize
                        for k in 0..<c {
                            var sum = half
                            for t in 0..<n { sum += Int(src[srcRow + (lo + t) * c + k]) * Int(axis.weights[wk + t]) }
                            dst[dstRow + x * c + k] = UInt8(clamping: sum >> bits)
                        }
                    }
                }
            }
        }
        // The vertical pass, mirrored and normalised straight into the CHW sample.
        var values = [Float](repeating: 0, count: c * plane)
        rows.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for y in 0..<size {
                    for x in 0..<size {
                        let out = y * size + (mirror ? size - 1 - x : x)
                        for k in 0..<c {
                            let v: UInt8
                            if let axis = vertical {
                                let lo = axis.first[y], n = axis.taps[y], wk = y * axis.kernelSize
                                var sum = half
                                for t in 0..<n { sum += Int(src[((lo + t) * size + x) * c + k]) * Int(axis.weights[wk + t]) }
                                v = UInt8(clamping: sum >> bits)
                            } else {
                                v = src[(y * size + x) * c + k]
                            }
                            dst[k * plane + out] = table[k * 256 + Int(v)]
                        }
                    }
                }
            }
        }
        return Sample(channels: c, height: size, width: size, values: values)
    }
}
