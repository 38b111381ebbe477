import XCTest
import GraftCore
@testable import GraftData

final class ColorTransformTests: XCTestCase {
    let image = patternImage(width: 11, height: 9, seed: 4)

    func testColorJitterOpsMatchTorchvision() throws {
        // One Python run: every op's expectation stacked vertically.
        let ops: [(String, (Image) -> Image)] = [
            ("F.adjust_brightness(img, 1.3)", { ColorJitter.adjustBrightness($0, 1.3) }),
            ("F.adjust_brightness(img, 0.55)", { ColorJitter.adjustBrightness($0, 0.55) }),
            ("F.adjust_contrast(img, 1.7)", { ColorJitter.adjustContrast($0, 1.7) }),
            ("F.adjust_contrast(img, 0.4)", { ColorJitter.adjustContrast($0, 0.4) }),
            ("F.adjust_saturation(img, 1.6)", { ColorJitter.adjustSaturation($0, 1.6) }),
            ("F.adjust_saturation(img, 0.3)", { ColorJitter.adjustSaturation($0, 0.3) }),
            ("F.adjust_hue(img, 0.13)", { ColorJitter.adjustHue($0, 0.13) }),
            ("F.adjust_hue(img, -0.31)", { ColorJitter.adjustHue($0, -0.31) }),
            ("F.adjust_hue(img, 0.0)", { ColorJitter.adjustHue($0, 0) }),
            ("F.rgb_to_grayscale(img, 3)", { try! $0.converted(channels: 1).converted(channels: 3) }),
        ]
        let expression = "np.concatenate([np.asarray(x) for x in [" + ops.map(\.0).joined(separator: ", ") + "]], axis=0)"
        let expected = try TorchVision.apply(expression, to: image)
        let rowBytes = image.width * 3 * image.height
        for (k, (name, op)) in ops.enumerated() {
            let slice = try Image(width: image.width, height: image.height, channels: 3,
                                  pixels: Array(expected.pixels[(k * rowBytes)..<((k + 1) * rowBytes)]))
            assertPixels(op(image), slice, name)
        }
    }

    func testColorJitterOpsOnGreyImagesMatchTorchvision() throws {
        let grey = try image.converted(channels: 1)
        let expected = try TorchVision.apply("np.concatenate([np.asarray(x) for x in [F.adjust_brightness(img, 1.2), F.adjust_contrast(img, 0.6), "
                                             + "F.adjust_saturation(img, 1.5), F.adjust_hue(img, 0.2)]], axis=0)", to: grey)
        let ops: [Image] = [ColorJitter.adjustBrightness(grey, 1.2), ColorJitter.adjustContrast(grey, 0.6),
                            ColorJitter.adjustSaturation(grey, 1.5), ColorJitter.adjustHue(grey, 0.2)]
        XCTAssertEqual(try Image(width: grey.width, height: grey.height * 4, channels: 1, pixels: ops.flatMap(\.pixels)), expected)
    }

    func testGrayscaleMatchesTorchvision() throws {
        var g = RandomGenerator(seed: 1)
        let grey = try Grayscale(outputChannels: 1).apply(image, using: &g)
        assertPixels(grey, try TorchVision.apply("F.rgb_to_grayscale(img, 1)", to: image), "grayscale 1")
        let grey3 = try Grayscale().apply(image, using: &g)
        XCTAssertEqual(grey3.channels, 3)
        XCTAssertEqual(grey3.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), grey.pixels)
        XCTAssertEqual(try Grayscale(p: 0).apply(image, using: &g), image)
        XCTAssertThrowsError(try Grayscale(outputChannels: 2))
    }

    func testColorJitterComposesTheOpsInARandomOrder() throws {
        let jitter = try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1)
        XCTAssertEqual(jitter.brightness, 0.6...1.4)
        XCTAssertEqual(jitter.hue, -0.1...0.1)
        var a = RandomGenerator(seed: 12), b = a
        let out = try jitter.apply(image, using: &a)
        // Replaying the draws by hand gives the same image.
        var order = [0, 1, 2, 3]
        order.shuffle(using: &b)
        let f = [b.uniform(0.6, 1.4), b.uniform(0.6, 1.4), b.uniform(0.6, 1.4), b.uniform(-0.1, 0.1)]
        var expected = image
        for op in order {
            switch op {
            case 0: expected = ColorJitter.adjustBrightness(expected, f[0])
            case 1: expected = ColorJitter.adjustContrast(expected, f[1])
            case 2: expected = ColorJitter.adjustSaturation(expected, f[2])
            default: expected = ColorJitter.adjustHue(expected, f[3])
            }
        }
        XCTAssertEqual(out, expected)
        XCTAssertNotEqual(out, image)
        var c = RandomGenerator(seed: 12)
        XCTAssertEqual(try jitter.apply(image, using: &c), out, "same seed, same output")
        XCTAssertEqual(try ColorJitter().apply(image, using: &c), image)
        XCTAssertThrowsError(try ColorJitter(hue: 0.6))
    }

    func testColorShiftOffsetsEachChannelWithinTheRange() throws {
        let flat = try Image(width: 4, height: 4, channels: 3, pixels: [UInt8](repeating: 128, count: 48))
        let shift = try ColorShift(maxOffset: 20)
        var g = RandomGenerator(seed: 8)
        var seen = Set<Int>()
        for _ in 0..<500 {
            let out = try shift.apply(flat, using: &g)
            for k in 0..<3 {
                let d = Int(out[x: 0, y: 0, c: k]) - 128
                XCTAssert(abs(d) <= 20)
                XCTAssert((0..<16).allSatisfy { Int(out.pixels[$0 * 3 + k]) - 128 == d }, "one offset per channel")
                seen.insert(d)
            }
        }
        XCTAssert(seen.contains(where: { $0 >= 18 }) && seen.contains(where: { $0 <= -18 }))
        let clamped = try Image(width: 1, height: 1, channels: 3, pixels: [250, 3, 128]).shifted(by: [20, -20, 0.4])
        XCTAssertEqual(clamped.pixels, [255, 0, 128])
    }

    func testPCALightingKeepsTheMeanOverManyDraws() throws {
        let grey = try Image(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 128, count: 12))
        let lighting = try PCALighting(std: 0.1)
        var g = RandomGenerator(seed: 21)
        var sums = [Double](repeating: 0, count: 3), squares = sums
        let draws = 4000
        for _ in 0..<draws {
            let out = try lighting.apply(grey, using: &g)
            for k in 0..<3 { let d = Double(out[x: 1, y: 1, c: k]) - 128; sums[k] += d; squares[k] += d * d }
        }
        for k in 0..<3 {
            let mean = sums[k] / Double(draws), sd = (squares[k] / Double(draws) - mean * mean).squareRoot()
            XCTAssert(sd > 1, "channel \(k) moves (sd \(sd))")
            XCTAssertLessThan(abs(mean), 4 * sd / Double(draws).squareRoot() + 0.05, "channel \(k) mean offset")
        }
    }

    func testPCALightingMovesPixelsAlongTheEigenvectors() throws {
        let v: [Float] = [0.6, -0.64, 0.48]  // unit length
        let lighting = try PCALighting(std: 0.5, eigenvalues: [0.3], eigenvectors: [v])
        var g = RandomGenerator(seed: 2)
        for _ in 0..<200 {
            let out = try lighting.apply(image, using: &g)
            // Each unclipped channel's rounded change d = round(k·v) bounds k; one k must fit every
            // channel of every pixel.
            var low = -Float.infinity, high = Float.infinity
            for p in 0..<(image.width * image.height) {
                for c in 0..<3 where out.pixels[p * 3 + c] != 0 && out.pixels[p * 3 + c] != 255 {
                    let d = Float(out.pixels[p * 3 + c]) - Float(image.pixels[p * 3 + c])
                    let (a, b) = ((d - 0.5) / v[c], (d + 0.5) / v[c])
                    low = max(low, min(a, b) - 1e-3); high = min(high, max(a, b) + 1e-3)
                }
            }
            XCTAssertLessThanOrEqual(low, high, "the changes are not one multiple of \(v)")
        }
        // The default: ImageNet's components, scaled as the reference scripts.
        let imageNet = try PCALighting()
        XCTAssertEqual(imageNet.eigenvectors[0], [-0.5675, -0.5808, -0.5836])
        XCTAssertThrowsError(try PCALighting(eigenvalues: [1, 2], eigenvectors: [[1, 0, 0]]))
        XCTAssertThrowsError(try imageNet.apply(try image.converted(channels: 1), using: &g))
    }

    func testPrincipalComponentsDiagonaliseTheCovariance() throws {
        let images = [patternImage(width: 20, height: 15, seed: 5), patternImage(width: 9, height: 9, seed: 6)]
        let (values, vectors) = try PCALighting.principalComponents(of: images)
        // Naive covariance in Double.
        var pixels: [[Double]] = []
        for im in images { for i in stride(from: 0, to: im.pixels.count, by: 3) { pixels.append((0..<3).map { Double(im.pixels[i + $0]) / 255 }) } }
        let mean = (0..<3).map { k in pixels.map { $0[k] }.reduce(0, +) / Double(pixels.count) }
        var cov = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in pixels {
            for a in 0..<3 { for b in 0..<3 { cov[a][b] += (p[a] - mean[a]) * (p[b] - mean[b]) / Double(pixels.count) } }
        }
        XCTAssert(values[0] >= values[1] && values[1] >= values[2])
        for (lambda, v) in zip(values, vectors) {
            let av = (0..<3).map { a in (0..<3).map { cov[a][$0] * Double(v[$0]) }.reduce(0, +) }
            for a in 0..<3 { XCTAssertEqual(av[a], Double(lambda) * Double(v[a]), accuracy: 1e-5) }
            XCTAssertEqual(v.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-5)
        }
        XCTAssertEqual(Double(values.reduce(0, +)), cov[0][0] + cov[1][1] + cov[2][2], accuracy: 1e-5)
    }
}
