import GraftCore

/// How a model expects its input images: resize the shorter side (with `interpolation`),
/// centre-crop a square, scale pixels to [0, 1] and normalise per channel as `(v − mean) / std`.
public struct Preprocessing: Sendable, Codable, Equatable {
    /// Image channels (3 for RGB, 1 for grey).
    public var channels: Int
    /// The side of the square crop the network reads.
    public var inputSize: Int
    /// The shorter side after resizing, before the crop.
    public var resizeShorter: Int
    /// The resize's filter (torchvision's `interpolation`).
    public var interpolation: Interpolation
    public var mean: [Float]
    public var std: [Float]

    public init(channels: Int, inputSize: Int, resizeShorter: Int, interpolation: Interpolation = .bilinear,
                mean: [Float], std: [Float]) {
        self.channels = channels; self.inputSize = inputSize; self.resizeShorter = resizeShorter
        self.interpolation = interpolation; self.mean = mean; self.std = std
    }

    /// Decodes a preprocessing; one written before `interpolation` existed resized bilinearly.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(channels: c.decode(Int.self, forKey: .channels), inputSize: c.decode(Int.self, forKey: .inputSize),
                      resizeShorter: c.decode(Int.self, forKey: .resizeShorter),
                      interpolation: c.decodeIfPresent(Interpolation.self, forKey: .interpolation) ?? .bilinear,
                      mean: c.decode([Float].self, forKey: .mean), std: c.decode([Float].self, forKey: .std))
    }

    /// The largest network input side: a 2048 × 2048 RGB input is 48 MB of floats per image.
    public static let maximumInputSize = 2048
    /// The largest shorter side to resize to before the crop (twice the largest input).
    public static let maximumResizeShorter = 4096

    /// The first field out of its range for a network reading `expectedChannels` channels, as
    /// its key (`inputSize`, `std[2]`) and what is wrong with it ("is 0, not a finite nonzero
    /// number"); nil when all are in range. Mean and std hold one value per channel, or one for all.
    public func invalidField(expectedChannels: Int) -> (key: String, problem: String)? {
        if channels != expectedChannels { return ("channels", "is \(channels); the network reads \(expectedChannels)") }
        if !(1...Preprocessing.maximumInputSize).contains(inputSize) {
            return ("inputSize", "is \(inputSize), not in 1...\(Preprocessing.maximumInputSize)")
        }
        if !(1...Preprocessing.maximumResizeShorter).contains(resizeShorter) {
            return ("resizeShorter", "is \(resizeShorter), not in 1...\(Preprocessing.maximumResizeShorter)")
        }
        for (key, values) in [("mean", mean), ("std", std)] {
            if values.count != 1 && values.count != channels {
                return (key, "has \(values.count) values; it needs 1 or \(channels)")
            }
            let nonzero = key == "std"
            if let i = values.firstIndex(where: { !$0.isFinite || (nonzero && $0 == 0) }) {
                return ("\(key)[\(i)]", "is \(values[i]), not a finite\(nonzero ? " nonzero" : "") number")
            }
        }
        return nil
    }

    /// torchvision's ImageNet evaluation transform (`ImageClassification`): resize 256
    /// bilinearly, crop 224, ImageNet mean/std.
    public static func imageNet(resize: Int = 256, crop: Int = 224, interpolation: Interpolation = .bilinear) -> Preprocessing {
        Preprocessing(channels: 3, inputSize: crop, resizeShorter: resize, interpolation: interpolation,
                      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }
}
