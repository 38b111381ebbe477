import GraftCore

/// Mirrors the image left–right with probability `p`, as torchvision's `RandomHorizontalFlip`.
public struct HorizontalFlip: ImageTransform, Equatable {
    public let p: Float

    public init(p: Float = 0.5) throws {
        guard (0...1).contains(p) else { throw GraftError.invalidArgument(op: "HorizontalFlip", detail: "p \(p) is not in [0, 1]") }
        self.p = p
    }

    /// Whether one application mirrors: a uniform draw below `p`.
    public func mirrors(using generator: inout RandomGenerator) -> Bool { generator.nextFloat() < p }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        mirrors(using: &generator) ? image.mirrored() : image
    }

    /// Whether `apply` would mirror.
    public func drawnParameters(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) -> DrawnParameters? {
        DrawnParameters(.mirror(mirrors(using: &generator)))
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

extension HorizontalFlip: SpecTransform {
    public static let specEntry = TransformEntry.image("hflip", "mirror left–right", [
        SpecParameter("p", .number(0...1), default: "0.5", help: "the probability of mirroring"),
    ]) { a in try HorizontalFlip(p: a.number("p")) }

    public var specValues: [String]? { [specNumber(p)] }
}
