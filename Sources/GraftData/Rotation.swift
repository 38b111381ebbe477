import Foundation
import GraftCore

/// Rotates by an angle uniform in `degrees` (positive: counterclockwise) about the image
/// centre, bilinear, fill 0, keeping the size: torchvision's `RandomRotation(degrees)` on a
/// PIL image, which is PIL's `Image.rotate` (its matrix entries rounded to 15 decimals, so
/// quarter turns move pixels exactly).
public struct Rotation: ImageTransform, Equatable {
    public let degrees: ClosedRange<Float>

    /// A rotation by an angle uniform in `degrees`.
    public init(degrees: ClosedRange<Float>) { self.degrees = degrees }

    /// A rotation by an angle uniform in `−maxDegrees ... maxDegrees`.
    public init(maxDegrees: Float) throws {
        guard maxDegrees >= 0 else { throw GraftError.invalidArgument(op: "Rotation", detail: "degrees \(maxDegrees) must not be negative") }
        degrees = -maxDegrees...maxDegrees
    }

    public func apply(_ image: Image, using generator: inout RandomGenerator) throws -> Image {
        Rotation.rotate(image, degrees: Double(generator.uniform(degrees.lowerBound, degrees.upperBound)))
    }

    /// `image` rotated counterclockwise by `degrees`, as `PIL.Image.rotate(degrees, BILINEAR)`.
    public static func rotate(_ image: Image, degrees: Double) -> Image {
        let angle = -degrees.truncatingRemainder(dividingBy: 360) * .pi / 180
        func r15(_ v: Double) -> Double { (v * 1e15).rounded(.toNearestOrEven) / 1e15 }
        var m = [r15(cos(angle)), r15(sin(angle)), 0, r15(-sin(angle)), r15(cos(angle)), 0]
        let cx = Double(image.width) / 2, cy = Double(image.height) / 2
        m[2] = m[0] * -cx + m[1] * -cy + cx
        m[5] = m[3] * -cx + m[4] * -cy + cy
        if m == [1, 0, 0, 0, 1, 0] { return image }
        return image.affineWarped(inverse: m)
    }
}

extension Rotation: SpecTransform {
    public static let specEntry = TransformEntry.image("rotate", "rotate counterclockwise by a uniform angle, fill 0", [
        SpecParameter("degrees", .range(Pipeline.angles, symmetric: true), help: "the angle: ±degrees, or a range low-high"),
    ]) { a in Rotation(degrees: try a.range("degrees")) }

    public var specValues: [String]? { [specRange(degrees)] }
}
