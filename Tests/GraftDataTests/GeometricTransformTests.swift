import XCTest
import GraftCore
@testable import GraftData

final class GeometricTransformTests: XCTestCase {
    func testMirroringTwiceIsIdentity() throws {
        let image = patternImage(width: 7, height: 5)
        XCTAssertEqual(image.mirrored().mirrored(), image)
        XCTAssertEqual(image.flipped().flipped(), image)
        XCTAssertNotEqual(image.mirrored(), image)
        var g = RandomGenerator(seed: 3)
        XCTAssertEqual(try HorizontalFlip(p: 1).apply(image, using: &g), image.mirrored())
        XCTAssertEqual(try HorizontalFlip(p: 0).apply(image, using: &g), image)
        XCTAssertEqual(try VerticalFlip(p: 1).apply(image, using: &g), image.flipped())
        XCTAssertEqual(image.mirrored()[x: 0, y: 2, c: 1], image[x: 6, y: 2, c: 1])
        XCTAssertThrowsError(try HorizontalFlip(p: 1.5))
    }

    /// The transpose of `image` (rows become columns).
    func transposed(_ image: Image) -> Image {
        var pixels: [UInt8] = []
        for y in 0..<image.width { for x in 0..<image.height { for k in 0..<image.channels { pixels.append(image[x: y, y: x, c: k]) } } }
        return try! Image(width: image.height, height: image.width, channels: image.channels, pixels: pixels)
    }

    func testQuarterTurnIsTransposeAndMirror() throws {
        for side in [6, 7] {
            let image = patternImage(width: side, height: side)
            // Counterclockwise quarter turn: transpose, then flip top–bottom.
            XCTAssertEqual(Rotation.rotate(image, degrees: 90), transposed(image).flipped(), "side \(side)")
            XCTAssertEqual(Rotation.rotate(image, degrees: -90), transposed(image).mirrored(), "side \(side)")
            var g = RandomGenerator(seed: 1)
            XCTAssertEqual(try Rotation(degrees: 90...90).apply(image, using: &g), transposed(image).flipped())
        }
    }

    func testRotationAndAffineMatchTorchvision() throws {
        let image = patternImage(width: 9, height: 7)
        let rotated = try TorchVision.apply("F.rotate(img, 23.0, interpolation=F.InterpolationMode.BILINEAR)", to: image)
        assertPixels(Rotation.rotate(image, degrees: 23), rotated, "rotate 23°")
        let affine = try TorchVision.apply(
            "F.affine(img, angle=17.0, translate=[1, -2], scale=1.2, shear=[10.0, -5.0], interpolation=F.InterpolationMode.BILINEAR)", to: image)
        let m = RandomAffine.inverseMatrix(center: (4.5, 3.5), angle: 17, translate: (1, -2), scale: 1.2, shear: (10, -5))
        assertPixels(image.affineWarped(inverse: m), affine, "affine")
        // Quarter turns through the general warp: a non-square rotation and a square affine.
        let quarter = try TorchVision.apply("F.rotate(img, 90.0, interpolation=F.InterpolationMode.BILINEAR)", to: image)
        assertPixels(Rotation.rotate(image, degrees: 90), quarter, "rotate 90° of 9×7")
        let square = patternImage(width: 8, height: 8)
        let clockwise = try TorchVision.apply(
            "F.affine(img, angle=90.0, translate=[0, 0], scale=1.0, shear=[0.0, 0.0], interpolation=F.InterpolationMode.BILINEAR)", to: square)
        var g = RandomGenerator(seed: 0)
        assertPixels(try RandomAffine(degrees: 90...90).apply(square, using: &g), clockwise, "affine 90°")
    }

    func testAreaResizeIsAdaptiveAveragePooling() throws {
        let image = patternImage(width: 13, height: 9)
        let pooled = try TorchVision.apply(
            "np.floor(__import__('torch').nn.functional.adaptive_avg_pool2d(__import__('torch').tensor(a, dtype=__import__('torch').float64)"
            + ".permute(2, 0, 1)[None], (4, 5))[0].permute(1, 2, 0).numpy() + 0.5)", to: image)
        var g = RandomGenerator(seed: 0)
        assertPixels(try Resize(width: 5, height: 4, interpolation: .area).apply(image, using: &g), pooled, "area 13×9 → 5×4")
    }

    func testIdentityAffineChangesNothing() throws {
        let image = patternImage(width: 8, height: 5)
        XCTAssertEqual(image.affineWarped(inverse: [1, 0, 0, 0, 1, 0]), image)
        let m = RandomAffine.inverseMatrix(center: (4, 2.5), angle: 0, translate: (0, 0), scale: 1, shear: (0, 0))
        XCTAssertEqual(image.affineWarped(inverse: m), image)
        var g = RandomGenerator(seed: 9)
        XCTAssertEqual(try RandomAffine().apply(image, using: &g), image)
        XCTAssertEqual(try Shear(x: 0...0).apply(image, using: &g), image)
        XCTAssertThrowsError(try RandomAffine(shearX: -90...10))
    }

    func testRandomResizedCropBoxesStayInside() throws {
        let transform = try RandomResizedCrop(size: 8)
        var g = RandomGenerator(seed: 42)
        for (w, h) in [(64, 48), (10, 200), (300, 7), (1, 1), (13, 13)] {
            for _ in 0..<2000 {
                let b = transform.box(width: w, height: h, using: &g)
                XCTAssert(b.top >= 0 && b.left >= 0 && b.height > 0 && b.width > 0 && b.top + b.height <= h && b.left + b.width <= w,
                          "\(b) outside \(w)×\(h)")
            }
        }
        // A very elongated image falls back to the centre crop clamped to the ratio range.
        let fallback = try RandomResizedCrop(size: 8, scale: 0.9...1)
        let b = fallback.box(width: 300, height: 7, using: &g)
        XCTAssertEqual(b.height, 7); XCTAssertEqual(b.width, 9); XCTAssertEqual(b.left, (300 - 9) / 2)
        let out = try transform.apply(patternImage(width: 40, height: 30), using: &g)
        XCTAssertEqual([out.width, out.height, out.channels], [8, 8, 3])
    }

    func testRandomResizedCropEqualsCropThenResize() throws {
        let image = patternImage(width: 50, height: 40)
        let transform = try RandomResizedCrop(size: 16)
        for seed in 0..<20 as Range<UInt64> {
            var g1 = RandomGenerator(seed: seed), g2 = g1
            let b = transform.box(width: 50, height: 40, using: &g1)
            let crop = try Image(width: b.width, height: b.height, channels: 3, pixels: (0..<b.height).flatMap { y in
                (0..<b.width).flatMap { x in (0..<3).map { image[x: b.left + x, y: b.top + y, c: $0] } }
            })
            XCTAssertEqual(try transform.apply(image, using: &g2), try crop.resize(width: 16, height: 16))
        }
    }

    func testRandomCropStaysInsideThePaddedImage() throws {
        let transform = try RandomCrop(height: 8, width: 6, padding: 3)
        var g = RandomGenerator(seed: 5)
        var corners = Set<[Int]>()
        for _ in 0..<3000 {
            let o = try transform.origin(imageWidth: 10, imageHeight: 9, using: &g)
            XCTAssert(o.top >= -3 && o.left >= -3 && o.top + 8 <= 12 && o.left + 6 <= 13, "\(o)")
            corners.insert([o.top, o.left])
        }
        XCTAssertEqual(corners.count, 8 * 11, "every position is reachable")
        let image = patternImage(width: 10, height: 9)
        XCTAssertEqual(try RandomCrop(height: 9, width: 10).apply(image, using: &g), image)
        let padded = try RandomCrop(height: 14, width: 10, padding: 3).apply(image, using: &g)
        XCTAssertEqual(padded.height, 14)
        XCTAssertThrowsError(try RandomCrop(height: 20).apply(image, using: &g))
    }

    func testRandomCropWindowWhollyInThePaddingIsBlack() throws {
        let image = patternImage(width: 10, height: 9)
        let transform = try RandomCrop(height: 4, width: 5, padding: 20)
        var g = RandomGenerator(seed: 2), outside = 0
        for _ in 0..<200 {
            var h = g
            let o = try transform.origin(imageWidth: 10, imageHeight: 9, using: &h)
            let crop = try transform.apply(image, using: &g)
            XCTAssertEqual([crop.width, crop.height], [5, 4])
            if o.top >= 9 || o.left >= 10 || o.top + 4 <= 0 || o.left + 5 <= 0 {
                outside += 1
                XCTAssert(crop.pixels.allSatisfy { $0 == 0 }, "\(o)")
            }
        }
        XCTAssertGreaterThan(outside, 0, "some windows lie wholly in the padding")
    }

    func testResizeInterpolations() throws {
        let image = patternImage(width: 12, height: 8)
        var g = RandomGenerator(seed: 0)
        XCTAssertEqual(try Resize(shorterSide: 4).apply(image, using: &g), try image.resize(shorterSide: 4))
        let area = try Resize(width: 6, height: 4, interpolation: .area).apply(image, using: &g)
        let expected = (Int(image[x: 2, y: 2, c: 1]) + Int(image[x: 3, y: 2, c: 1]) + Int(image[x: 2, y: 3, c: 1]) + Int(image[x: 3, y: 3, c: 1]))
        XCTAssertEqual(Int(area[x: 1, y: 1, c: 1]), Int((Float(expected) / 4).rounded()))
        let nearest = try Resize(width: 6, height: 4, interpolation: .nearest).apply(image, using: &g)
        XCTAssertEqual(nearest, try TorchVision.apply("img.resize((6, 4), Image.NEAREST)", to: image))
        let up = try Resize(width: 17, height: 11, interpolation: .nearest).apply(image, using: &g)
        XCTAssertEqual(up, try TorchVision.apply("img.resize((17, 11), Image.NEAREST)", to: image))
        XCTAssertEqual(try CenterCrop(height: 4, width: 6).apply(image, using: &g), try image.centerCrop(height: 4, width: 6))
        XCTAssertThrowsError(try Resize(shorterSide: 0))
    }

    func testSameSeedSameOutput() throws {
        let image = patternImage(width: 30, height: 20)
        let transforms: [any ImageTransform] = [try RandomResizedCrop(size: 12), try HorizontalFlip(), try Rotation(maxDegrees: 30),
                                                try RandomAffine(degrees: -10...10, translate: (0.1, 0.1), scale: 0.9...1.1, shearX: -5...5)]
        for t in transforms {
            var a = RandomGenerator(seed: 77), b = RandomGenerator(seed: 77)
            XCTAssertEqual(try t.apply(image, using: &a), try t.apply(image, using: &b))
        }
    }
}
