import Foundation
import GraftCore

/// Elastic deformation (Simard et al.; albumentations' and torchvision's `ElasticTransform`):
/// two fields of displacements uniform in [−1, 1], each smoothed by a Gaussian of standard
/// deviation `sigma` pixels (kernel `8σ + 1` rounded up to odd, reflected borders, as
/// torchvision's `gaussian_blur`) and scaled by `alpha` pixels; each output pixel reads the
/// input at its displaced position, bilinear, fill 0.
public struct ElasticDeformation: ImageTransform, Equatable {
    public let alpha: Float
    public let sigma: Float

    public init(alpha: Float = 50, sigma: Float = 5) throws {
        guard alpha >= 0, sigma > 0 else {
            throw GraftError.invalidArgument(op: "ElasticDeformation", detail: "alpha \(alpha) must not be negative and sigma \(sigma) must be positive")
        }
        self.alpha = alpha; self.sigma = sigma
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let (w, h) = (image.width, image.height)
        let dx = smoothed((0..<(w * h)).map { _ in generator.uniform(-1, 1) }, width: w, height: h)
        let dy = smoothed((0..<(w * h)).map { _ in generator.uniform(-1, 1) }, width: w, height: h)
        if alpha == 0 { return image }
        let a = Double(alpha)
        return image.warped { x, y in
            (Double(x) + 0.5 + a * Double(dx[y * w + x]), Double(y) + 0.5 + a * Double(dy[y * w + x]))
        }
    }

    /// `field` blurred by the Gaussian, separably, with reflected borders.
    func smoothed(_ field: [Float], width w: Int, height h: Int) -> [Float] {
        var size = Int(8 * sigma + 1)
        if size % 2 == 0 { size += 1 }
        let half = size / 2
        var kernel = (0..<size).map { i -> Float in let d = Float(i - half) / sigma; return exp(-0.5 * d * d) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            let period = 2 * (n - 1)
            var j = i % period
            if j < 0 { j += period }
            return j < n ? j : period - j
        }
        var rows = [Float](repeating: 0, count: w * h), out = rows
        for y in 0..<h {
            for x in 0..<w {
                var s: Float = 0
                for t in 0..<size { s += kernel[t] * field[y * w + reflect(x + t - half, w)] }
                rows[y * w + x] = s
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var s: Float = 0
                for t in 0..<size { s += kernel[t] * rows[reflect(y + t - half, h) * w + x] }
                out[y * w + x] = s
            }
        }
        return out
    }
}

extension ElasticDeformation: SpecTransform {
    public static let specEntry = TransformEntry.image("elastic", "elastic deformation: smoothed random displacements", [
        SpecParameter("alpha", .number(0...Pipeline.maximumElasticPixels), default: "50", help: "the largest displacement, in pixels"),
        SpecParameter("sigma", .number(0.001...Pipeline.maximumElasticPixels), default: "5", help: "the smoothing's standard deviation, in pixels"),
    ]) { a in try ElasticDeformation(alpha: a.number("alpha"), sigma: a.number("sigma")) }

    public var specValues: [String]? { [specNumber(alpha), specNumber(sigma)] }
}
