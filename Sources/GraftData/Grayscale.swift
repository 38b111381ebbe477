import GraftCore

/// With probability `p`, the image's ITU-R 601-2 luma (PIL's `convert("L")`) repeated over
/// `outputChannels` channels (nil: as many as the input has): torchvision's
/// `Grayscale(num_output_channels)` (`p = 1`) and `RandomGrayscale(p)` (`outputChannels = nil`).
public struct Grayscale: ImageTransform, Equatable {
    public let p: Float
    public let outputChannels: Int?

    public init(p: Float = 1, outputChannels: Int? = nil) throws {
        guard (0...1).contains(p) else { throw GraftError.invalidArgument(op: "Grayscale", detail: "p \(p) is not in [0, 1]") }
        if let c = outputChannels, c != 1, c != 3 {
            throw GraftError.invalidArgument(op: "Grayscale", detail: "\(c) output channels; 1 or 3")
        }
        self.p = p; self.outputChannels = outputChannels
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let target = outputChannels ?? image.channels
        guard generator.nextFloat() < p else { return image }
        return try image.converted(channels: 1).converted(channels: target)
    }
}

extension Grayscale: SpecTransform {
    public static let specEntry = TransformEntry.image("grayscale", "luma, with probability p", [
        SpecParameter("p", .number(0...1), default: "1", help: "the probability of converting"),
        SpecParameter("channels", .integerOrWord(1...3, word: "same"), default: "same", help: "1 or 3 output channels, or same as the input"),
    ]) { a in try Grayscale(p: a.number("p"), outputChannels: a.integerOrWord("channels")) }

    public var specValues: [String]? { [specNumber(p), outputChannels.map(String.init) ?? "same"] }
}
