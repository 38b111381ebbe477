/// How a model expects its input images: resize the shorter side, centre-crop a square,
/// scale pixels to [0, 1] and normalise per channel as `(v − mean) / std`.
public struct Preprocessing: Sendable, Codable, Equatable {
    /// Image channels (3 for RGB, 1 for grey).
    public var channels: Int
    /// The side of the square crop the network reads.
    public var inputSize: Int
    /// The shorter side after resizing, before the crop.
    public var resizeShorter: Int
    public var mean: [Float]
    public var std: [Float]

    public init(channels: Int, inputSize: Int, resizeShorter: Int, mean: [Float], std: [Float]) {
        self.channels = channels; self.inputSize = inputSize; self.resizeShorter = resizeShorter
        self.mean = mean; self.std = std
    }

    /// torchvision's ImageNet evaluation transform: resize 256, crop 224, ImageNet mean/std.
    public static func imageNet(resize: Int = 256, crop: Int = 224) -> Preprocessing {
        Preprocessing(channels: 3, inputSize: crop, resizeShorter: resize,
                      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }
}
