import GraftCore

/// Mirrors the image left–right with probability `p`, as torchvision's `RandomHorizontalFlip`.
public struct HorizontalFlip: ImageTransform, Equatable {
    public let p: Float

    public init(p: Float = 0.5) throws {
        guard (0...1).contains(p) else { throw GraftError.invalidArgument(op: "HorizontalFlip", detail: "p \(p) is not in [0, 1]") }
        self.p = p
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        generator.nextFloat() < p ? image.mirrored() : image
    }
}

extension Image {
    /// The image mirrored left–right.
    public func mirrored() -> Image {
        let c = channels
        return pixels.withUnsafeBufferPointer { src in
            Image(width: width, height: height, channels: c) { dst in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        for k in 0..<c { dst[(row + x) * c + k] = src[(row + width - 1 - x) * c + k] }
                    }
                }
            }
        }
    }
}
