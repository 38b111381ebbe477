import GraftCore

/// Mirrors the image top–bottom with probability `p`, as torchvision's `RandomVerticalFlip`.
public struct VerticalFlip: ImageTransform, Equatable {
    public let p: Float

    public init(p: Float = 0.5) throws {
        guard (0...1).contains(p) else { throw GraftError.invalidArgument(op: "VerticalFlip", detail: "p \(p) is not in [0, 1]") }
        self.p = p
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        generator.nextFloat() < p ? image.flipped() : image
    }
}

extension Image {
    /// The image flipped top–bottom.
    public func flipped() -> Image {
        let rowLength = width * channels
        return pixels.withUnsafeBufferPointer { src in
            Image(width: width, height: height, channels: channels) { dst in
                for y in 0..<height {
                    for i in 0..<rowLength { dst[y * rowLength + i] = src[(height - 1 - y) * rowLength + i] }
                }
            }
        }
    }
}
