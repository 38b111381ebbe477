import GraftCore

/// Resizes to a shorter side (keeping the aspect ratio) or to an exact size, as torchvision's
/// `Resize` on a PIL image.
public struct Resize: ImageTransform, Equatable {
    /// The requested output size.
    public enum Size: Equatable, Sendable {
        case shorterSide(Int)
        case exact(width: Int, height: Int)
    }

    public let size: Size
    /// How output pixels are computed from input pixels.
    public let interpolation: Interpolation

    /// Resizes so that the shorter side is `shorterSide`, as `Resize(shorterSide)`.
    public init(shorterSide: Int, interpolation: Interpolation = .bilinear) throws {
        guard shorterSide > 0 else { throw GraftError.invalidArgument(op: "Resize", detail: "size \(shorterSide) must be positive") }
        size = .shorterSide(shorterSide); self.interpolation = interpolation
    }

    /// Resizes to exactly `width × height`, as `Resize((height, width))`.
    public init(width: Int, height: Int, interpolation: Interpolation = .bilinear) throws {
        guard width > 0, height > 0 else {
            throw GraftError.invalidArgument(op: "Resize", detail: "size \(width)×\(height) must be positive")
        }
        size = .exact(width: width, height: height); self.interpolation = interpolation
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let (w, h): (Int, Int)
        switch size {
        case let .shorterSide(s): (w, h) = try image.resizedSize(shorterSide: s)
        case let .exact(width, height): (w, h) = (width, height)
        }
        if w == image.width && h == image.height { return image }
        return image.resized(width: w, height: h, rows: 0..<h, columns: 0..<w, interpolation: interpolation)
    }
}

extension Image {
    /// Adaptive average pooling to `w × h`: output pixel `i` averages inputs
    /// `⌊i·in/out⌋ ..< ⌈(i+1)·in/out⌉` along each axis.
    func areaResized(width w: Int, height h: Int) -> Image {
        let c = channels
        func span(_ i: Int, _ input: Int, _ output: Int) -> Range<Int> {
            (i * input / output)..<(((i + 1) * input + output - 1) / output)
        }
        return pixels.withUnsafeBufferPointer { src in
            Image(width: w, height: h, channels: c) { dst in
                for y in 0..<h {
                    let rows = span(y, height, h)
                    for x in 0..<w {
                        let columns = span(x, width, w)
                        let count = Float(rows.count * columns.count)
                        for k in 0..<c {
                            var sum = 0
                            for sy in rows { for sx in columns { sum += Int(src[(sy * width + sx) * c + k]) } }
                            dst[(y * w + x) * c + k] = UInt8((Float(sum) / count).rounded())
                        }
                    }
                }
            }
        }
    }

    /// PIL's NEAREST resize: output pixel `i` copies input `⌊(i + 0.5)·in/out⌋`.
    func nearestResized(width w: Int, height h: Int) -> Image {
        let c = channels
        let sx = (0..<w).map { min(Int((Double($0) + 0.5) * Double(width) / Double(w)), width - 1) }
        let sy = (0..<h).map { min(Int((Double($0) + 0.5) * Double(height) / Double(h)), height - 1) }
        return pixels.withUnsafeBufferPointer { src in
            Image(width: w, height: h, channels: c) { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        for k in 0..<c { dst[(y * w + x) * c + k] = src[(sy[y] * width + sx[x]) * c + k] }
                    }
                }
            }
        }
    }
}

extension Resize: SpecTransform {
    public static let specEntry = TransformEntry.image("resize", "resize to the shorter side N (aspect kept) or to exactly W×H", [
        SpecParameter("size", .size, help: "N: the shorter side; WxH: the exact size", writtenBare: true),
        SpecParameter("interpolation", .choice(Interpolation.allCases.map(\.rawValue)), default: "bilinear", help: "the resampling filter"),
    ]) { a in
        let size = try a.size("size")
        guard let interpolation = Interpolation(rawValue: try a.choice("interpolation")) else {
            throw a.bad("interpolation", a.values["interpolation"] ?? "", "a known interpolation")
        }
        return size.square ? try Resize(shorterSide: size.width, interpolation: interpolation)
            : try Resize(width: size.width, height: size.height, interpolation: interpolation)
    }

    public var specValues: [String]? {
        switch size {
        case let .shorterSide(s): return ["\(s)", interpolation.rawValue]
        case let .exact(w, h): return ["\(w)x\(h)", interpolation.rawValue]
        }
    }
}
