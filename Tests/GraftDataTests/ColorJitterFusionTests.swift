import XCTest
import GraftCore
@testable import GraftData

/// The fused colour-jitter sample (`ColorJitterDraw.sample`) against the ops applied one by one
/// (the PIL-exact reference functions), then `ToSample` and the mirror.
final class ColorJitterFusionTests: XCTestCase {
    let toSample = try! ToSample(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    let greyToSample = try! ToSample(mean: [0.5], std: [0.25])

    /// Every order of the four op slots (hue off), with factors spread over and beyond 0...2.
    func orders() -> [[Int]] {
        func permutations(_ a: [Int]) -> [[Int]] {
            a.count <= 1 ? [a] : a.indices.flatMap { i in permutations(a.enumerated().filter { $0.offset != i }.map(\.element)).map { [a[i]] + $0 } }
        }
        return permutations([0, 1, 2, 3])
    }

    func assertFusedEqualsSequential(_ image: Image, _ draw: ColorJitterDraw, mirrored: Bool, _ message: String,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let normalise = image.channels == 1 ? greyToSample : toSample
        let fused = try XCTUnwrap(draw.sample(of: image, table: try normalise.table(channels: image.channels), mirrored: mirrored))
        let jittered = draw.applied(to: image)
        let expected = try normalise.apply(mirrored ? jittered.mirrored() : jittered)
        XCTAssertEqual(fused, expected, message, file: file, line: line)
    }

    func testAllOrdersAndRandomFactorsEqualTheOpsOneByOne() throws {
        var g = RandomGenerator(seed: 99)
        let images = [patternImage(width: 13, height: 11, seed: 3), patternImage(width: 16, height: 9, channels: 1, seed: 4),
                      try patternImage(width: 7, height: 12, seed: 5).converted(channels: 1).converted(channels: 3)]
        for (n, image) in images.enumerated() {
            for order in orders() {
                for trial in 0..<6 {
                    // Factors in 0...2 (PIL's interpolating blend) and beyond (its clipped one), some ops off.
                    func factor() -> Float? {
                        switch g.next() % 8 {
                        case 0: return nil
                        case 1: return 0
                        case 2: return 1
                        default: return g.uniform(0, 2.5)
                        }
                    }
                    let draw = ColorJitterDraw(order: order, brightness: factor(), contrast: factor(), saturation: factor(), hue: nil)
                    try assertFusedEqualsSequential(image, draw, mirrored: trial % 2 == 1, "image \(n), \(draw)")
                }
            }
        }
    }

    func testTorchvisionRangesOverManyDraws() throws {
        let jitter = try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4)
        let image = patternImage(width: 20, height: 17, seed: 8)
        var g = RandomGenerator(seed: 1)
        for i in 0..<300 {
            try assertFusedEqualsSequential(image, jitter.draw(using: &g), mirrored: i % 3 == 0, "draw \(i)")
        }
    }

    func testHueIsLeftToTheSequentialPath() throws {
        let draw = ColorJitterDraw(order: [3, 2, 1, 0], brightness: 1.1, contrast: nil, saturation: nil, hue: 0.05)
        XCTAssertNil(draw.sample(of: patternImage(width: 4, height: 4), table: try toSample.table(channels: 3), mirrored: false))
    }

    func testPipelineWithColorJitterFusesAndEqualsTheSteps() throws {
        let image = patternImage(width: 45, height: 33, seed: 2)
        for spec in ["random-resized-crop(24), hflip, color-jitter(0.4, 0.4, 0.4), normalize",
                     "random-resized-crop(16, scale=0.5-1), color-jitter(0.8, 0.1, 0.9), hflip(0.3), hflip, normalize",
                     "random-resized-crop(40), color-jitter(brightness=0.5, saturation=2), normalize"] {
            let pipeline = try Pipeline(spec: spec, mean: toSample.mean, std: toSample.std)
            for index in 0..<40 {
                var a = sampleGenerator(seed: 3, epoch: 2, index: index), b = a
                let fused = try XCTUnwrap(pipeline.fusedSample(image, using: &a), spec)
                XCTAssertEqual(fused, try pipeline.unfusedImageSample(image, using: &b), "\(spec), sample \(index)")
                XCTAssertEqual(a, b, "the same draws")
            }
        }
        let grey = try image.converted(channels: 1)
        let pipeline = try Pipeline(spec: "random-resized-crop(20), hflip, color-jitter(0.4, 0.4, 0.4), normalize", mean: [0.5], std: [0.25])
        for index in 0..<20 {
            var a = sampleGenerator(seed: 1, epoch: 0, index: index), b = a
            XCTAssertEqual(try pipeline.fusedSample(grey, using: &a), try pipeline.unfusedImageSample(grey, using: &b), "grey \(index)")
        }
        // RGBA: the crop is fused, a jitter is not (PIL's saturation blends alpha too).
        let rgba = try image.converted(channels: 4)
        let four = try ToSample(mean: [0.5], std: [0.5])
        let cropOnly = Pipeline(imageTransforms: [try RandomResizedCrop(size: 12), try HorizontalFlip()], toSample: four)
        var c = RandomGenerator(seed: 4), d = c
        XCTAssertEqual(try cropOnly.fusedSample(rgba, using: &c), try cropOnly.unfusedImageSample(rgba, using: &d))
        let jittered = Pipeline(imageTransforms: [try RandomResizedCrop(size: 12), try ColorJitter(saturation: 0.5)], toSample: four)
        XCTAssertNil(try jittered.fusedSample(rgba, using: &c))
        XCTAssertNil(ColorJitterDraw(order: [2], saturation: 1.5).sample(of: rgba, table: try four.table(channels: 4), mirrored: false))
        // A hue change, or steps other than flips and one jitter, keep the steps one by one.
        for spec in ["random-resized-crop(24), color-jitter(hue=0.1)", "random-resized-crop(24), color-jitter(0.4), color-jitter(0.4)",
                     "random-resized-crop(24), vflip", "hflip, random-resized-crop(24)"] {
            var g = RandomGenerator(seed: 0)
            XCTAssertNil(try Pipeline(spec: spec, mean: [0], std: [1]).fusedSample(image, using: &g), spec)
            XCTAssertEqual(g, RandomGenerator(seed: 0), "nothing drawn")
        }
    }
}
