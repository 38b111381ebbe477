import XCTest
import GraftCore
@testable import GraftData

/// The resampling loops (`ResampleKernels.swift`) against a plain transcription of PIL's
/// Resample.c (8 bpc) below, byte for byte, and against PIL itself on a few sizes.
final class ResampleKernelTests: XCTestCase {
    /// PIL's two passes, written as directly as possible: per output byte, a 64-bit sum from
    /// ½ (22-bit fixed point) over the taps, `>> 22`, clipped.
    func naiveResize(_ image: Image, width ow: Int, height oh: Int) -> Image {
        let c = image.channels, half = 1 << 21
        func clip(_ v: Int) -> UInt8 { UInt8(min(max(v >> 22, 0), 255)) }
        var rows = image
        if ow != image.width {
            let axis = ResampleAxis(inputSize: image.width, outputSize: ow)
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
        let axis = ResampleAxis(inputSize: image.height, outputSize: oh)
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
}
