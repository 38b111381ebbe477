import Foundation
import GraftCore

/// A random affine warp in one inverse-mapped bilinear pass (fill 0), as torchvision's
/// `RandomAffine(degrees, translate, scale, shear)` on a PIL image: an angle uniform in
/// `degrees` (torchvision's `F.affine` convention: positive turns clockwise), a translation
/// `round(uniform(±translate.x × width))` (likewise y), a scale uniform in `scale`, shears
/// uniform in `shearX` and `shearY` (degrees), about the image centre.
public struct RandomAffine: ImageTransform, Equatable {
    public let degrees: ClosedRange<Float>
    public let translate: (x: Float, y: Float)
    public let scale: ClosedRange<Float>
    public let shearX: ClosedRange<Float>
    public let shearY: ClosedRange<Float>

    public init(degrees: ClosedRange<Float> = 0...0, translate: (x: Float, y: Float) = (0, 0), scale: ClosedRange<Float> = 1...1,
                shearX: ClosedRange<Float> = 0...0, shearY: ClosedRange<Float> = 0...0) throws {
        guard (0...1).contains(translate.x), (0...1).contains(translate.y) else {
            throw GraftError.invalidArgument(op: "RandomAffine", detail: "translate \(translate) must lie in [0, 1]")
        }
        guard scale.lowerBound > 0 else { throw GraftError.invalidArgument(op: "RandomAffine", detail: "scale \(scale) must be positive") }
        guard shearX.lowerBound > -90, shearX.upperBound < 90, shearY.lowerBound > -90, shearY.upperBound < 90 else {
            throw GraftError.invalidArgument(op: "RandomAffine", detail: "shears \(shearX), \(shearY) must lie strictly within ±90°")
        }
        self.degrees = degrees; self.translate = translate; self.scale = scale; self.shearX = shearX; self.shearY = shearY
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.degrees == b.degrees && a.translate == b.translate && a.scale == b.scale && a.shearX == b.shearX && a.shearY == b.shearY
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        let angle = generator.uniform(degrees.lowerBound, degrees.upperBound)
        let maxX = translate.x * Float(image.width), maxY = translate.y * Float(image.height)
        let tx = Double(generator.uniform(-maxX, maxX)).rounded(.toNearestOrEven)
        let ty = Double(generator.uniform(-maxY, maxY)).rounded(.toNearestOrEven)
        let s = generator.uniform(scale.lowerBound, scale.upperBound)
        let sx = generator.uniform(shearX.lowerBound, shearX.upperBound), sy = generator.uniform(shearY.lowerBound, shearY.upperBound)
        let m = RandomAffine.inverseMatrix(center: (Double(image.width) * 0.5, Double(image.height) * 0.5), angle: Double(angle),
                                           translate: (tx, ty), scale: Double(s), shear: (Double(sx), Double(sy)))
        if m == [1, 0, 0, 0, 1, 0] { return image }
        return image.affineWarped(inverse: m)
    }

    /// torchvision's `_get_inverse_affine_matrix(center, angle, translate, scale, shear)`: the
    /// map from output to input positions, degrees in, row-major 2×3.
    public static func inverseMatrix(center: (Double, Double), angle: Double, translate: (Double, Double), scale: Double,
                                     shear: (Double, Double)) -> [Double] {
        let rot = angle * .pi / 180, sx = shear.0 * .pi / 180, sy = shear.1 * .pi / 180
        let (cx, cy) = center, (tx, ty) = translate
        let a = cos(rot - sy) / cos(sy)
        let b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot)
        let c = sin(rot - sy) / cos(sy)
        let d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot)
        var m = [d, -b, 0, -c, a, 0].map { $0 / scale }
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
        return m
    }
}

extension RandomAffine: SpecTransform {
    public static let specEntry = TransformEntry.image("affine", "one random affine warp (rotation, translation, scale, shear)", [
        SpecParameter("degrees", .range(Pipeline.angles, symmetric: true), default: "0", help: "the rotation: ±degrees, or a range"),
        SpecParameter("translate", .pair(0...1), default: "0", help: "the largest shift, a fraction of the width and height"),
        SpecParameter("scale", .range(0.001...Pipeline.maximumScale, symmetric: false), default: "1", help: "the scale factor's range"),
        SpecParameter("shear", .range(Pipeline.shearAngles, symmetric: true), default: "0", help: "the x shear in degrees: ±shear, or a range"),
        SpecParameter("shear-y", .range(Pipeline.shearAngles, symmetric: true), default: "0", help: "the y shear in degrees: ±shear-y, or a range"),
    ]) { a in
        try RandomAffine(degrees: a.range("degrees"), translate: a.pair("translate"), scale: a.range("scale"),
                         shearX: a.range("shear"), shearY: a.range("shear-y"))
    }

    public var specValues: [String]? {
        [specRange(degrees), "\(specNumber(translate.x))x\(specNumber(translate.y))", specRange(scale), specRange(shearX), specRange(shearY)]
    }
}
