import Foundation
import GraftCore

/// With probability `p`, fills a random rectangle of the normalised sample, as torchvision's
/// `RandomErasing(p, scale, ratio, value)` (Cutout): up to 10 attempts draw an area fraction
/// uniform in `scale` and a log-uniform aspect ratio (height / width) in `ratio`; the first
/// rectangle strictly smaller than the sample is placed uniformly; when none is, nothing
/// changes.
public struct RandomErasing: SampleTransform, Equatable {
    /// What the erased rectangle holds.
    public enum Value: Equatable, Sendable {
        /// One value for every channel, or one per channel.
        case constant([Float])
        /// Independent standard normal values (torchvision's `value="random"`).
        case random
    }

    public let p: Float
    public let scale: ClosedRange<Float>
    public let ratio: ClosedRange<Float>
    public let value: Value

    public init(p: Float = 0.5, scale: ClosedRange<Float> = 0.02...0.33, ratio: ClosedRange<Float> = 0.3...3.3,
                value: Value = .constant([0])) throws {
        guard (0...1).contains(p), scale.lowerBound >= 0, scale.upperBound <= 1, ratio.lowerBound > 0 else {
            throw GraftError.invalidArgument(op: "RandomErasing", detail: "p \(p) and scale \(scale) must lie in [0, 1], ratio \(ratio) must be positive")
        }
        if case let .constant(v) = value, v.isEmpty {
            throw GraftError.invalidArgument(op: "RandomErasing", detail: "a constant fill needs a value")
        }
        self.p = p; self.scale = scale; self.ratio = ratio; self.value = value
    }

    /// The rectangle to erase in a `height × width` sample, or nil (torchvision's `get_params`).
    public func box(height: Int, width: Int, using generator: inout RandomGenerator) -> (top: Int, left: Int, height: Int, width: Int)? {
        let area = Double(height * width)
        let logLow = Float(log(Double(ratio.lowerBound))), logHigh = Float(log(Double(ratio.upperBound)))
        for _ in 0..<10 {
            let erase = area * Double(generator.uniform(scale.lowerBound, scale.upperBound))
            let aspect = exp(Double(generator.uniform(logLow, logHigh)))
            let h = Int((erase * aspect).squareRoot().rounded(.toNearestOrEven))
            let w = Int((erase / aspect).squareRoot().rounded(.toNearestOrEven))
            guard h < height, w < width else { continue }
            return (Int.random(in: 0...(height - h), using: &generator), Int.random(in: 0...(width - w), using: &generator), h, w)
        }
        return nil
    }

    public func apply(_ sample: inout Sample, using generator: inout RandomGenerator) throws {
        if case let .constant(v) = value, v.count != 1, v.count != sample.channels {
            throw GraftError.invalidArgument(op: "RandomErasing", detail: "\(v.count) fill values for \(sample.channels) channels")
        }
        guard generator.nextFloat() < p, let b = box(height: sample.height, width: sample.width, using: &generator) else { return }
        let plane = sample.height * sample.width
        for c in 0..<sample.channels {
            for y in b.top..<(b.top + b.height) {
                for x in b.left..<(b.left + b.width) {
                    let fill: Float
                    switch value {
                    case let .constant(v): fill = v[v.count == 1 ? 0 : c]
                    case .random: fill = generator.nextNormal()
                    }
                    sample.values[c * plane + y * sample.width + x] = fill
                }
            }
        }
    }
}

extension RandomErasing: SpecTransform {
    public static let specEntry = TransformEntry.sample("random-erasing", "erase a random box of the sample (Cutout)", [
        SpecParameter("p", .number(0...1), default: "0.5", help: "the probability of erasing"),
        SpecParameter("scale", .range(0...1, symmetric: false), default: "0.02-0.33", help: "the box's area as a fraction of the sample's"),
        SpecParameter("ratio", .range(Pipeline.aspectRatios, symmetric: false), default: "0.3-3.3", help: "the box's aspect ratio, drawn log-uniformly"),
        SpecParameter("value", .numbersOrWord("random"), default: "0", help: "the fill: a number, one per channel a/b/c, or random (normal noise)"),
    ]) { a in
        let value: Value = try a.numbersOrWord("value").map { .constant($0) } ?? .random
        return try RandomErasing(p: a.number("p"), scale: a.range("scale"), ratio: a.range("ratio"), value: value)
    }

    public var specValues: [String]? {
        switch value {
        case .random: return [specNumber(p), specRange(scale), specRange(ratio), "random"]
        case let .constant(values): return [specNumber(p), specRange(scale), specRange(ratio), values.map(specNumber).joined(separator: "/")]
        }
    }
}
