import GraftCore

/// A random shear about the image centre (no rotation, translation or scaling): `RandomAffine`
/// with `degrees = 0` and shears uniform in `x` and `y` degrees, as torchvision's
/// `RandomAffine(0, shear=(x.lower, x.upper, y.lower, y.upper))`.
public struct Shear: ImageTransform, Equatable {
    public let x: ClosedRange<Float>
    public let y: ClosedRange<Float>
    let affine: RandomAffine

    public init(x: ClosedRange<Float>, y: ClosedRange<Float> = 0...0) throws {
        self.x = x; self.y = y
        affine = try RandomAffine(shearX: x, shearY: y)
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        try affine.apply(image, using: &generator)
    }
}

extension Shear: SpecTransform {
    public static let specEntry = TransformEntry.image("shear", "shear by uniform angles in degrees", [
        SpecParameter("x", .range(Pipeline.shearAngles, symmetric: true), help: "the x shear: ±x, or a range low-high"),
        SpecParameter("y", .range(Pipeline.shearAngles, symmetric: true), default: "0", help: "the y shear: ±y, or a range low-high"),
    ]) { a in try Shear(x: a.range("x"), y: a.range("y")) }

    public var specValues: [String]? { [specRange(x), specRange(y)] }
}
