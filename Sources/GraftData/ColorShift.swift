import GraftCore

/// Adds a random offset to each channel, each drawn uniformly in `−maxOffset ... maxOffset`
/// levels (on 0–255), e.g. "+20 R, −20 G, +20 B"; results are rounded and clamped to 0–255.
public struct ColorShift: ImageTransform, Equatable {
    public let maxOffset: Float

    public init(maxOffset: Float) throws {
        guard maxOffset >= 0, maxOffset <= 255 else {
            throw GraftError.invalidArgument(op: "ColorShift", detail: "max offset \(maxOffset) is not in [0, 255]")
        }
        self.maxOffset = maxOffset
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let offsets = (0..<image.channels).map { _ in generator.uniform(-maxOffset, maxOffset) }
        return image.shifted(by: offsets)
    }
}

extension Image {
    /// The image with `offsets[c]` added to channel `c` (in levels), rounded and clamped.
    func shifted(by offsets: [Float]) -> Image {
        let c = channels
        var table = [UInt8](repeating: 0, count: 256 * c)
        for k in 0..<c {
            for v in 0..<256 { table[k * 256 + v] = UInt8(min(max((Float(v) + offsets[k]).rounded(), 0), 255)) }
        }
        return pixels.withUnsafeBufferPointer { src in
            Image(width: width, height: height, channels: c) { dst in
                for i in 0..<src.count { dst[i] = table[(i % c) * 256 + Int(src[i])] }
            }
        }
    }
}

extension ColorShift: SpecTransform {
    public static let specEntry = TransformEntry.image("color-shift", "a random offset per channel (\"+20 R, −20 G, +20 B\")", [
        SpecParameter("max", .number(0...255), default: "20", help: "offsets are uniform in ±max levels"),
    ]) { a in try ColorShift(maxOffset: a.number("max")) }

    public var specValues: [String]? { [specNumber(maxOffset)] }
}
