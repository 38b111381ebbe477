import Foundation
import GraftCore

/// Random brightness, contrast, saturation and hue changes applied in a random order, as
/// torchvision's `ColorJitter` on a PIL image. Each factor is uniform in its range
/// (`brightness: b` means `max(0, 1 − b) ... 1 + b`, `hue: h` means `−h ... h`); a range
/// that is exactly the identity (1...1, or 0...0 for hue) is skipped. Each op is PIL's, with
/// PIL's 8-bit result after each (blends truncate, as `Image.blend`):
/// - brightness `f`: blend of black and the image, `f·v`;
/// - contrast `f`: blend of the mean luma (rounded) and the image;
/// - saturation `f`: blend of the luma image and the image;
/// - hue `h`: the image in PIL's 8-bit HSV with `uint8(h·255)` added to H (mod 256).
public struct ColorJitter: ImageTransform, Equatable {
    public let brightness: ClosedRange<Float>?
    public let contrast: ClosedRange<Float>?
    public let saturation: ClosedRange<Float>?
    public let hue: ClosedRange<Float>?
    /// The arguments given: brightness, contrast, saturation, hue.
    let arguments: [Float]

    /// Ranges `max(0, 1 − x) ... 1 + x` for brightness, contrast and saturation, `−hue ... hue`.
    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0, hue: Float = 0) throws {
        for (name, v) in [("brightness", brightness), ("contrast", contrast), ("saturation", saturation)] where v < 0 {
            throw GraftError.invalidArgument(op: "ColorJitter", detail: "\(name) \(v) must not be negative")
        }
        guard (0...0.5).contains(hue) else { throw GraftError.invalidArgument(op: "ColorJitter", detail: "hue \(hue) is not in [0, 0.5]") }
        func factor(_ v: Float) -> ClosedRange<Float>? { v == 0 ? nil : max(0, 1 - v)...(1 + v) }
        self.brightness = factor(brightness); self.contrast = factor(contrast); self.saturation = factor(saturation)
        self.hue = hue == 0 ? nil : -hue...hue
        arguments = [brightness, contrast, saturation, hue]
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        draw(using: &generator).applied(to: image)
    }

    /// The draws `apply` would make, when the fused path can apply them: no hue change, on a
    /// grey or RGB image.
    public func drawnParameters(width: Int, height: Int, channels: Int, using generator: inout RandomGenerator) -> DrawnParameters? {
        guard hue == nil, channels == 1 || channels == 3 else { return nil }
        return DrawnParameters(.colorJitter(draw(using: &generator)))
    }

    /// The random choices of one application: the order, then each factor (nil when its
    /// range is off), drawn in torchvision's order.
    func draw(using generator: inout RandomGenerator) -> ColorJitterDraw {
        var order = [0, 1, 2, 3]
        order.shuffle(using: &generator)
        func draw(_ r: ClosedRange<Float>?) -> Float? { r.map { generator.uniform($0.lowerBound, $0.upperBound) } }
        let b = draw(brightness), c = draw(contrast), s = draw(saturation), h = draw(hue)
        return ColorJitterDraw(order: order, brightness: b, contrast: c, saturation: s, hue: h)
    }

    /// PIL's `Image.blend(degenerate, image, factor)` where `degenerate(i)` gives the other
    /// image's byte at index `i`.
    static func blend(_ image: Image, _ factor: Float, degenerate: (Int) -> UInt8) -> Image {
        let interpolate = factor >= 0 && factor <= 1
        return image.pixels.withUnsafeBufferPointer { src in
            Image(width: image.width, height: image.height, channels: image.channels) { dst in
                for i in 0..<src.count { dst[i] = blended(src[i], degenerate(i), factor, interpolate: interpolate) }
            }
        }
    }

    /// One byte of `Image.blend`: `a + factor·(v − a)` in Float, truncated to a byte, clipped
    /// first unless `interpolate` (`factor` in 0...1, where the result cannot leave 0...255).
    @inline(__always) static func blended(_ v: UInt8, _ a: UInt8, _ factor: Float, interpolate: Bool) -> UInt8 {
        let x = Float(Int(a)) + factor * Float(Int(v) - Int(a))
        return interpolate ? UInt8(x) : x <= 0 ? 0 : x >= 255 ? 255 : UInt8(x)
    }

    /// The mean of a grey image's `count` bytes summing to `sum`, rounded as PIL's
    /// `ImageStat.Stat(…).mean[0] + 0.5` truncated.
    static func roundedMean(sum: Int, count: Int) -> UInt8 { UInt8(Int(Double(sum) / Double(count) + 0.5)) }

    /// torchvision's `F.adjust_brightness` on a PIL image.
    public static func adjustBrightness(_ image: Image, _ factor: Float) -> Image { blend(image, factor) { _ in 0 } }

    /// torchvision's `F.adjust_contrast` on a PIL image.
    public static func adjustContrast(_ image: Image, _ factor: Float) -> Image {
        let grey = image.channels == 1 ? image : try! image.converted(channels: 1)
        let sum = grey.pixels.reduce(0) { $0 + Int($1) }
        let mean = roundedMean(sum: sum, count: grey.pixels.count)
        return blend(image, factor) { _ in mean }
    }

    /// torchvision's `F.adjust_saturation` on a PIL image.
    public static func adjustSaturation(_ image: Image, _ factor: Float) -> Image {
        if image.channels == 1 { return blend(image, factor) { image.pixels[$0] } }
        let grey = try! image.converted(channels: 1), c = image.channels
        return grey.pixels.withUnsafeBufferPointer { g in blend(image, factor) { g[$0 / c] } }
    }

    /// torchvision's `F.adjust_hue` on a PIL image (grey images are returned unchanged).
    public static func adjustHue(_ image: Image, _ factor: Float) -> Image {
        guard image.channels == 3 else { return image }
        let shift = UInt8(truncatingIfNeeded: Int(factor * 255))
        return image.pixels.withUnsafeBufferPointer { src in
            Image(width: image.width, height: image.height, channels: 3) { dst in
                for p in stride(from: 0, to: src.count, by: 3) {
                    var (h, s, v) = rgbToHSV(src[p], src[p + 1], src[p + 2])
                    h &+= shift
                    (dst[p], dst[p + 1], dst[p + 2]) = hsvToRGB(h, s, v)
                }
            }
        }
    }

    /// PIL's 8-bit RGB → HSV (Convert.c `rgb2hsv_row`).
    static func rgbToHSV(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
        let maxc = max(r, g, b), minc = min(r, g, b)
        if maxc == minc { return (0, 0, maxc) }
        let cr = Float(maxc - minc)
        let s = cr / Float(maxc)
        let rc = Float(maxc - r) / cr, gc = Float(maxc - g) / cr, bc = Float(maxc - b) / cr
        var h: Float
        if r == maxc { h = bc - gc } else if g == maxc { h = Float(2.0 + Double(rc) - Double(bc)) } else { h = Float(4.0 + Double(gc) - Double(rc)) }
        h = Float(fmod(Double(h) / 6.0 + 1.0, 1.0))
        func clip8(_ v: Int) -> UInt8 { UInt8(min(max(v, 0), 255)) }
        return (clip8(Int(Double(h) * 255.0)), clip8(Int(Double(s) * 255.0)), maxc)
    }

    /// PIL's 8-bit HSV → RGB (Convert.c `hsv2rgb`).
    static func hsvToRGB(_ h: UInt8, _ s: UInt8, _ v: UInt8) -> (UInt8, UInt8, UInt8) {
        if s == 0 { return (v, v, v) }
        let i = Int((Double(Float(h)) * 6.0 / 255.0).rounded(.down))
        let f = Float(Double(Float(h)) * 6.0 / 255.0 - Double(Float(i)))
        let fs = f * Float(s)
        func clip8(_ x: Double) -> UInt8 { UInt8(min(max(Int(x.rounded(.toNearestOrAwayFromZero)), 0), 255)) }
        let vv = Double(Float(v))
        let p = clip8(vv * (255.0 - Double(s)) / 255.0)
        let q = clip8(vv * (255.0 - Double(fs)) / 255.0)
        let t = clip8(vv * (255.0 - Double(s) + Double(fs)) / 255.0)
        switch i % 6 {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }
}

extension ColorJitter: SpecTransform {
    public static let specEntry = TransformEntry.image("color-jitter", "torchvision's ColorJitter: the four changes in a random order", [
        SpecParameter("brightness", .number(Pipeline.jitterSpreads), default: "0", help: "brightness factor in 1 ± brightness"),
        SpecParameter("contrast", .number(Pipeline.jitterSpreads), default: "0", help: "contrast factor in 1 ± contrast"),
        SpecParameter("saturation", .number(Pipeline.jitterSpreads), default: "0", help: "saturation factor in 1 ± saturation"),
        SpecParameter("hue", .number(0...0.5), default: "0", help: "hue shift in ± hue (of a full turn)"),
    ]) { a in
        try ColorJitter(brightness: a.number("brightness"), contrast: a.number("contrast"), saturation: a.number("saturation"), hue: a.number("hue"))
    }

    public var specValues: [String]? { arguments.map(specNumber) }
}
