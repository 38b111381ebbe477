import Foundation
import GraftCore

extension RandomGenerator {
    /// A draw from Gamma(shape, 1) (Marsaglia and Tsang; shapes below 1 through
    /// Gamma(shape + 1) · U^(1/shape)). `shape` must be positive.
    mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            let u = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), .leastNormalMagnitude)
            return gamma(shape: shape + 1) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = Double(nextNormal())
            let v0 = 1 + c * x
            guard v0 > 0 else { continue }
            let v = v0 * v0 * v0
            let u = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), .leastNormalMagnitude)
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// A draw from Beta(a, b), as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x + y > 0 ? x / (x + y) : 0.5
    }
}
