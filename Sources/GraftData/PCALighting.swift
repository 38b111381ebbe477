import GraftCore

/// AlexNet's lighting noise on RGB images: `αᵢ ~ N(0, std²)` per principal component, then
/// `Σ αᵢ λᵢ vᵢ` (on the [0, 1] scale) added to every pixel, rounded and clamped once.
public struct PCALighting: ImageTransform, Equatable {
    public let std: Float
    /// The eigenvalues λᵢ of the RGB covariance (pixels on [0, 1]).
    public let eigenvalues: [Float]
    /// The eigenvectors vᵢ, one RGB triple each, in the order of `eigenvalues`.
    public let eigenvectors: [[Float]]

    /// ImageNet's eigenvalues (torchvision's reference scripts and fast.ai).
    public static let imageNetEigenvalues: [Float] = [0.2175, 0.0188, 0.0045]
    /// ImageNet's eigenvectors, the columns of the reference scripts' `eigvec` matrix.
    public static let imageNetEigenvectors: [[Float]] = [[-0.5675, -0.5808, -0.5836], [0.7192, -0.0045, -0.6948], [0.4009, -0.8140, 0.4203]]

    /// Lighting noise of standard deviation `std` along `eigenvectors` (1 to 3 RGB triples)
    /// weighted by `eigenvalues`; ImageNet's by default.
    public init(std: Float = 0.1, eigenvalues: [Float] = imageNetEigenvalues, eigenvectors: [[Float]] = imageNetEigenvectors) throws {
        guard std >= 0 else { throw GraftError.invalidArgument(op: "PCALighting", detail: "std \(std) must not be negative") }
        guard (1...3).contains(eigenvalues.count), eigenvectors.count == eigenvalues.count, eigenvectors.allSatisfy({ $0.count == 3 }) else {
            throw GraftError.invalidArgument(op: "PCALighting", detail: "need 1 to 3 eigenvalues and as many RGB eigenvectors; got \(eigenvalues.count) and \(eigenvectors.map(\.count))")
        }
        self.std = std; self.eigenvalues = eigenvalues; self.eigenvectors = eigenvectors
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        guard image.channels == 3 else {
            throw GraftError.invalidArgument(op: "PCALighting", detail: "\(image.channels) channels; lighting noise needs RGB")
        }
        var offset: [Float] = [0, 0, 0]
        for (lambda, vector) in zip(eigenvalues, eigenvectors) {
            let alpha = generator.nextNormal() * std
            for c in 0..<3 { offset[c] += alpha * lambda * vector[c] }
        }
        return image.shifted(by: offset.map { $0 * 255 })
    }

    /// The eigenvalues (descending) and unit eigenvectors of the covariance of the RGB pixels
    /// of `images` on [0, 1], by Jacobi rotations of the 3×3 symmetric matrix.
    public static func principalComponents(of images: [Image]) throws -> (eigenvalues: [Float], eigenvectors: [[Float]]) {
        guard !images.isEmpty, images.allSatisfy({ $0.channels == 3 }) else {
            throw GraftError.invalidArgument(op: "PCALighting.principalComponents", detail: "need at least one image, all RGB")
        }
        var sum = [Double](repeating: 0, count: 3), products = [Double](repeating: 0, count: 9), n = 0.0
        for image in images {
            image.pixels.withUnsafeBufferPointer { p in
                for i in stride(from: 0, to: p.count, by: 3) {
                    let v = (0..<3).map { Double(p[i + $0]) / 255 }
                    for a in 0..<3 {
                        sum[a] += v[a]
                        for b in 0..<3 { products[a * 3 + b] += v[a] * v[b] }
                    }
                }
                n += Double(p.count / 3)
            }
        }
        var a = (0..<9).map { products[$0] / n - sum[$0 / 3] / n * sum[$0 % 3] / n }
        var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        for _ in 0..<50 {
            let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5]
            if off < 1e-30 { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[p * 3 + q] != 0 {
                let theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * a[p * 3 + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<3 {  // A ← A J (columns p, q)
                    let akp = a[k * 3 + p], akq = a[k * 3 + q]
                    a[k * 3 + p] = c * akp - s * akq; a[k * 3 + q] = s * akp + c * akq
                }
                for k in 0..<3 {  // A ← Jᵀ A (rows p, q)
                    let apk = a[p * 3 + k], aqk = a[q * 3 + k]
                    a[p * 3 + k] = c * apk - s * aqk; a[q * 3 + k] = s * apk + c * aqk
                }
                for k in 0..<3 {  // V ← V J
                    let vkp = v[k * 3 + p], vkq = v[k * 3 + q]
                    v[k * 3 + p] = c * vkp - s * vkq; v[k * 3 + q] = s * vkp + c * vkq
                }
            }
        }
        let order = (0..<3).sorted { a[$0 * 4] > a[$1 * 4] }
        return (order.map { Float(a[$0 * 4]) }, order.map { i in (0..<3).map { Float(v[$0 * 3 + i]) } })
    }
}

extension PCALighting: SpecTransform {
    public static let specEntry = TransformEntry.image("pca-lighting", "AlexNet lighting noise along ImageNet's RGB principal components", [
        SpecParameter("std", .number(Pipeline.jitterSpreads), default: "0.1", help: "the noise's standard deviation per component"),
    ]) { a in try PCALighting(std: a.number("std")) }

    /// Nil for components other than ImageNet's, which the syntax cannot write.
    public var specValues: [String]? {
        eigenvalues == PCALighting.imageNetEigenvalues && eigenvectors == PCALighting.imageNetEigenvectors ? [specNumber(std)] : nil
    }
}
