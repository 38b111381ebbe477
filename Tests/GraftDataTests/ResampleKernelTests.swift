import XCTest
import GraftCore
@testable import GraftData

/// The resampling loops (`ResampleKernels.swift`) against a plain transcription of PIL's
/// Resample.c (8 bpc) below, byte for byte, and against PIL itself on a few sizes, for its
/// bilinear and bicubic filters.
final class ResampleKernelTests: XCTestCase {
    /// PIL's two passes, written as directly as possible: per output byte, a 64-bit sum from
    /// ½ (22-bit fixed point) over the taps, `>> 22`, clipped.
    func naiveResize(_ image: Image, width ow: Int, height oh: Int, filter: ResampleAxis.Filter = .bilinear) -> Image {
        let c = image.channels, half = 1 << 21
        func clip(_ v: Int) -> UInt8 { UInt8(min(max(v >> 22, 0), 255)) }
        var rows = image
        if ow != image.width {
            let axis = ResampleAxis(inputSize: image.width, outputSize: ow, filter: filter)
            var out = [UInt8](repeating: 0, count: ow * image.height * c)
            for y in 0..<image.height {
                for x in 0..<ow {
                    for k in 0..<c {
                        var sum = half
                        for t in 0..<axis.taps[x] {
                            sum += Int(image[x: axis.first[x] + t, y: y, c: k]) * Int(axis.weights[x * axis.kernelSize + t])
                        }
                        out[(y * ow + x) * c + k] = clip(sum)
                    }
                }
            }
            rows = try! Image(width: ow, height: image.height, channels: c, pixels: out)
        }
        guard oh != image.height else { return rows }
        let axis = ResampleAxis(inputSize: image.height, outputSize: oh, filter: filter)
        var out = [UInt8](repeating: 0, count: ow * oh * c)
        for y in 0..<oh {
            for x in 0..<ow {
                for k in 0..<c {
                    var sum = half
                    for t in 0..<axis.taps[y] {
                        sum += Int(rows[x: x, y: axis.first[y] + t, c: k]) * Int(axis.weights[y * axis.kernelSize + t])
                    }
                    out[(y * ow + x) * c + k] = clip(sum)
                }
            }
        }
        return try! Image(width: ow, height: oh, channels: c, pixels: out)
    }

    func testResizeEqualsTheNaivePasses() throws {
        var g = RandomGenerator(seed: 4)
        for channels in [1, 3, 4] {
            for _ in 0..<25 {
                let (w, h) = (Int.random(in: 1...70, using: &g), Int.random(in: 1...70, using: &g))
                let (ow, oh) = (Int.random(in: 1...90, using: &g), Int.random(in: 1...90, using: &g))
                let image = patternImage(width: w, height: h, channels: channels, seed: g.next())
                XCTAssertEqual(try image.resize(width: ow, height: oh), naiveResize(image, width: ow, height: oh),
                               "\(w)×\(h)×\(channels) → \(ow)×\(oh)")
            }
        }
    }

    func testWholeWeightsAndSaturatedBytesEqualTheNaivePasses() throws {
        // Upscaling by 3 puts some outputs on an input pixel's centre: one tap of weight 2²².
        let axis = ResampleAxis(inputSize: 4, outputSize: 12)
        XCTAssert(axis.weights.contains(1 << 22))
        let white = try Image(width: 4, height: 3, channels: 3, pixels: [UInt8](repeating: 255, count: 36))
        for image in [patternImage(width: 4, height: 3, seed: 2), white] {
            for (ow, oh) in [(12, 9), (12, 3), (4, 9), (1, 1), (7, 2)] {
                XCTAssertEqual(try image.resize(width: ow, height: oh), naiveResize(image, width: ow, height: oh), "\(ow)×\(oh)")
            }
        }
    }

    func testResizedCropEqualsCropThenNaiveResize() throws {
        var g = RandomGenerator(seed: 5)
        for channels in [1, 3] {
            let image = patternImage(width: 61, height: 47, channels: channels, seed: 9)
            for _ in 0..<40 {
                let (bw, bh) = (Int.random(in: 1...61, using: &g), Int.random(in: 1...47, using: &g))
                let (left, top) = (Int.random(in: 0...(61 - bw), using: &g), Int.random(in: 0...(47 - bh), using: &g))
                let size = [bw, bh, Int.random(in: 1...80, using: &g)][Int(g.next() % 3)]
                let box = image.window(top: top, left: left, height: bh, width: bw)
                XCTAssertEqual(image.resizedCrop(top: top, left: left, height: bh, width: bw, outputWidth: size, outputHeight: size),
                               naiveResize(box, width: size, height: size), "box \(bw)×\(bh) at \(left),\(top) → \(size)")
            }
        }
    }

    func testResizeEqualsPILExactly() throws {
        let image = patternImage(width: 57, height: 43, seed: 11)
        let sizes = [(224, 224), (20, 31), (57, 13), (101, 43), (9, 200)]
        let expression = "np.concatenate([np.asarray(img.resize(s, Image.BILINEAR)).reshape(-1, 3) for s in "
            + "[" + sizes.map { "(\($0.0), \($0.1))" }.joined(separator: ", ") + "]], axis=0)[:, None, :]"
        let expected = try TorchVision.apply(expression, to: image)
        let ours = try sizes.flatMap { try image.resize(width: $0.0, height: $0.1).pixels }
        XCTAssertEqual(ours, expected.pixels)
    }

    /// Bicubic weights go negative (sums leave 0...255 and are clipped) and, near an edge when
    /// upscaling a few pixels, above 2²²: the plain loops then stand in for the SSE2 ones.
    func testBicubicEqualsTheNaivePasses() throws {
        XCTAssertFalse(ResampleAxis(inputSize: 2, outputSize: 199, filter: .bicubic).weightsSplit)
        XCTAssertTrue(ResampleAxis(inputSize: 57, outputSize: 20, filter: .bicubic).weightsSplit)
        XCTAssertTrue(ResampleAxis(inputSize: 57, outputSize: 20, filter: .bicubic).weights.contains { $0 < 0 })
        var g = RandomGenerator(seed: 6)
        for channels in [1, 3, 4] {
            for _ in 0..<25 {
                let (w, h) = (Int.random(in: 1...70, using: &g), Int.random(in: 1...70, using: &g))
                let (ow, oh) = (Int.random(in: 1...90, using: &g), Int.random(in: 1...90, using: &g))
                let image = patternImage(width: w, height: h, channels: channels, seed: g.next())
                XCTAssertEqual(try image.resize(width: ow, height: oh, interpolation: .bicubic),
                               naiveResize(image, width: ow, height: oh, filter: .bicubic), "\(w)×\(h)×\(channels) → \(ow)×\(oh)")
            }
        }
    }

    /// `PIL.Image.resize(size, BICUBIC)`, byte for byte: RGB and grey, down and up, both axes or
    /// one, and a 3 × 2 image blown up far enough for weights above 2²².
    func testBicubicEqualsPILExactly() throws {
        let cases: [(Image, [(Int, Int)])] = [
            (patternImage(width: 57, height: 43, seed: 11), [(224, 224), (20, 31), (57, 13), (101, 43), (9, 200)]),
            (patternImage(width: 57, height: 43, channels: 1, seed: 12), [(224, 224), (20, 31), (57, 13), (101, 43), (9, 200)]),
            (patternImage(width: 3, height: 2, seed: 13), [(199, 150), (3, 97), (1, 1)]),
            (try Image(contentsOf: Fixtures.path("jpeg_large.jpg")), [(32, 20), (150, 61), (7, 5)]),
        ]
        for (image, sizes) in cases {
            let expression = "np.concatenate([np.asarray(img.resize(s, Image.BICUBIC)).reshape(-1, \(image.channels)) for s in "
                + "[" + sizes.map { "(\($0.0), \($0.1))" }.joined(separator: ", ") + "]], axis=0)[:, None, :]"
            let expected = try TorchVision.apply(expression, to: image)
            let ours = try sizes.flatMap { try image.resize(width: $0.0, height: $0.1, interpolation: .bicubic).pixels }
            XCTAssertEqual(ours, expected.pixels, "\(image.width)×\(image.height)×\(image.channels)")
        }
    }

    /// torchvision's `Resize(side, BICUBIC)` and the pipeline's `resize(side, interpolation=bicubic)`
    /// on a photo, shorter side down and up.
    func testBicubicShorterSideEqualsTorchvision() throws {
        let image = try Image(contentsOf: Fixtures.path("jpeg_large.jpg"))  // 64 × 40
        for side in [24, 57] {
            let expected = try TorchVision.apply("F.resize(img, \(side), interpolation=F.InterpolationMode.BICUBIC)", to: image)
            XCTAssertEqual(try image.resize(shorterSide: side, interpolation: .bicubic), expected, "shorter side \(side)")
            let pipeline = try Pipeline(spec: "resize(\(side), interpolation=bicubic)", mean: [0], std: [1])
            var g = RandomGenerator(seed: 1)
            XCTAssertEqual(try XCTUnwrap(pipeline.imageTransforms.first).apply(image, using: &g), expected)
        }
    }
}
