import GraftCore

/// An 8-bit image with interleaved channels (HWC): grey (1 channel) or RGB (3); RGBA (4) only
/// on its way somewhere else (`converted(channels:)`, `encodePNG()`). The decoders return 1 or
/// 3 channels. The pixel of column `x`, row `y`, channel `c` is
/// `pixels[(y * width + x) * channels + c]`.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let pixels: [UInt8]

    /// The most pixels a decoder accepts, PIL's limit (`2 × Image.MAX_IMAGE_PIXELS`) beyond
    /// which it refuses a file as a decompression bomb.
    public static let maximumPixelCount = 178_956_970

    /// An image over `pixels`; throws when the channel count is not 1, 3 or 4, a side is not
    /// positive, or `pixels.count` is not `width × height × channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard [1, 3, 4].contains(channels) else {
            throw GraftError.invalidArgument(op: "Image", detail: "\(channels) channels; an image has 1, 3 or 4")
        }
        guard width > 0, height > 0 else {
            throw GraftError.invalidArgument(op: "Image", detail: "size \(width)×\(height) is empty")
        }
        guard pixels.count == width * height * channels else {
            throw GraftError.invalidArgument(op: "Image", detail: "\(pixels.count) bytes do not fill \(width)×\(height)×\(channels)")
        }
        self.init(unchecked: width, height, channels, pixels)
    }

    init(unchecked width: Int, _ height: Int, _ channels: Int, _ pixels: [UInt8]) {
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    /// An image whose bytes `fill` writes into a buffer of `width × height × channels`.
    init(width: Int, height: Int, channels: Int, fill: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) rethrows {
        let count = width * height * channels
        let pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try fill(buffer)
            initialized = count
        }
        self.init(unchecked: width, height, channels, pixels)
    }

    /// The value of channel `c` at column `x`, row `y`.
    public subscript(x x: Int, y y: Int, c c: Int) -> UInt8 {
        pixels[(y * width + x) * channels + c]
    }

    /// The image with `channels` channels, as PIL's `convert`: grey → RGB repeats the grey
    /// value, RGB(A) → grey is ITU-R 601-2 luma `(19595 R + 38470 G + 7471 B + 2¹⁵) >> 16`,
    /// RGBA → RGB drops alpha, grey/RGB → RGBA adds an opaque alpha.
    public func converted(channels target: Int) throws -> Image {
        guard [1, 3, 4].contains(target) else {
            throw GraftError.invalidArgument(
                op: "image channels", detail: "cannot make a \(target)-channel image from a \(channels)-channel one; "
                    + "Graft converts images to 1 (grey), 3 (RGB) or 4 (RGBA) channels, so the model must take 1 or 3")
        }
        if target == channels { return self }
        let source = channels
        return pixels.withUnsafeBufferPointer { src in
            Image(width: width, height: height, channels: target) { dst in
                for i in 0..<(width * height) {
                    let s = i * source, d = i * target
                    if source == 1 {
                        for c in 0..<min(target, 3) { dst[d + c] = src[s] }
                    } else if target == 1 {
                        let luma = Int(src[s]) * 19595 + Int(src[s + 1]) * 38470 + Int(src[s + 2]) * 7471 + 0x8000
                        dst[d] = UInt8(luma >> 16)
                    } else {
                        for c in 0..<3 { dst[d + c] = src[s + c] }
                    }
                    if target == 4 { dst[d + 3] = source == 4 ? src[s + 3] : 255 }
                }
            }
        }
    }
}
