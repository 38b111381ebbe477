import GraftCore

/// Mirrors the image top–bottom with probability `p`, as torchvision's `RandomVerticalFlip`.
public struct VerticalFlip: ImageTransform, Equatable {
    public let p: Float

    public init(p: Float = 0.5) throws {
        guard (0...1).contains(p) else { throw GraftError.invalidArgument(op: "VerticalFlip", detail: "p \(p) is not in [0, 1]") }
        self.p = p
    }

    /// Whether one application flips: a uniform draw below `p`.
    public func flips(using generator: inout RandomGenerator) -> Bool { generator.nextFloat() < p }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        flips(using: &generator) ? image.flipped() : image
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

extension VerticalFlip: SpecTransform {
    public static let specEntry = TransformEntry.image("vflip", "flip top–bottom", [
        SpecParameter("p", .number(0...1), default: "0.5", help: "the probability of flipping"),
    ]) { a in try VerticalFlip(p: a.number("p")) }

    public var specValues: [String]? { [specNumber(p)] }
}
