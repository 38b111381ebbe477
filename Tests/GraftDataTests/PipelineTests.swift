import XCTest
import GraftCore
@testable import GraftData

final class PipelineTests: XCTestCase {
    let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]

    func testFusedCropFlipSampleEqualsTheUnfusedSteps() throws {
        for (w, h, size) in [(64, 48, 24), (20, 30, 32), (40, 40, 40), (7, 90, 16), (33, 17, 17)] {
            let image = patternImage(width: w, height: h, seed: UInt64(w))
            for flip in [nil, try HorizontalFlip(p: 0.5)] {
                let steps: [any ImageTransform] = [try RandomResizedCrop(size: size, scale: 0.3...1)] + (flip.map { [$0] } ?? [])
                let pipeline = Pipeline(imageTransforms: steps, toSample: try ToSample(mean: mean, std: std))
                for seed in 0..<12 as Range<UInt64> {
                    var a = sampleGenerator(seed: seed, epoch: 1, index: w), b = a
                    let fused = try XCTUnwrap(pipeline.fusedSample(image, using: &a))
                    let unfused = try pipeline.unfusedImageSample(image, using: &b)
                    XCTAssertEqual(fused, unfused, "\(w)×\(h) → \(size), flip \(flip != nil), seed \(seed)")
                    XCTAssertEqual(a, b, "the same draws")
                }
            }
        }
        // The reference path is the image transforms then the same normalisation as toTensor.
        let image = patternImage(width: 30, height: 20)
        var g = RandomGenerator(seed: 5), h = g
        let pipeline = Pipeline(imageTransforms: [try RandomResizedCrop(size: 8), try HorizontalFlip()], toSample: try ToSample(mean: mean, std: std))
        let sample = try pipeline(image, using: &g)
        let byHand = try HorizontalFlip().apply(try RandomResizedCrop(size: 8).apply(image, using: &h), using: &h)
        XCTAssertEqual(sample.values, try byHand.toTensor(mean: mean, std: std).toArray())
        // Other pipelines are not fused.
        let other = Pipeline(imageTransforms: [try HorizontalFlip()], toSample: try ToSample())
        XCTAssertNil(try other.fusedSample(image, using: &g))
    }

    func testSpecParsesTheExample() throws {
        let pipeline = try Pipeline(spec: "random-resized-crop(224, scale=0.08-1), hflip, color-jitter(0.4, 0.4, 0.4), pca-lighting(0.1), normalize",
                                    mean: mean, std: std)
        XCTAssertEqual(pipeline.imageTransforms.count, 4)
        XCTAssertEqual(pipeline.imageTransforms[0] as? RandomResizedCrop, try RandomResizedCrop(size: 224))
        XCTAssertEqual(pipeline.imageTransforms[1] as? HorizontalFlip, try HorizontalFlip(p: 0.5))
        XCTAssertEqual(pipeline.imageTransforms[2] as? ColorJitter, try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4))
        XCTAssertEqual(pipeline.imageTransforms[3] as? PCALighting, try PCALighting(std: 0.1))
        XCTAssertEqual(pipeline.toSample, try ToSample(mean: mean, std: std))
        XCTAssert(pipeline.sampleTransforms.isEmpty)
        var g = RandomGenerator(seed: 1)
        let sample = try pipeline(patternImage(width: 300, height: 250), using: &g)
        XCTAssertEqual([sample.channels, sample.height, sample.width], [3, 224, 224])
    }

    func testSpecRoundTrips() throws {
        let specs = [
            "resize(256), center-crop(224)",
            "resize(32x24, interpolation=nearest), random-crop(16, padding=4), vflip(p=0.25)",
            "resize(48, interpolation=bicubic), center-crop(40)",
            "RANDOM_RESIZED_CROP( 96 , scale=0.25-1, ratio=0.5-2 ), hflip(1), rotate(15), shear(x=-5-10, y=3)",
            "affine(degrees=10, translate=0.1x0.2, scale=0.9-1.1, shear=5), elastic(alpha=30, sigma=4), grid-distortion(4, 0.2)",
            "color-jitter(brightness=0.4, hue=0.1), color-shift(20), pca-lighting(std=0.2), grayscale(p=0.1), grayscale(channels=3)",
            "center-crop(30x20), normalize, random-erasing(p=0.25, value=random), random-erasing(scale=0.1-0.2, value=0/0.5/1)",
        ]
        for text in specs {
            let pipeline = try Pipeline(spec: text, mean: mean, std: std)
            let written = try XCTUnwrap(pipeline.spec)
            let again = try Pipeline(spec: written, mean: mean, std: std)
            XCTAssertEqual(again.spec, written, text)
            XCTAssertEqual(again.imageTransforms.count, pipeline.imageTransforms.count)
            XCTAssertEqual(again.sampleTransforms.count, pipeline.sampleTransforms.count)
            // Same seed, same sample, from either spelling.
            let image = patternImage(width: 40, height: 36)
            var a = RandomGenerator(seed: 3), b = a
            XCTAssertEqual(try pipeline(image, using: &a), try again(image, using: &b), text)
        }
        let parsed = try Pipeline(spec: "rotate(15), shear(x=-5-10, y=3), affine(translate=0.1x0.2)", mean: [0], std: [1])
        XCTAssertEqual(parsed.imageTransforms[0] as? Rotation, Rotation(degrees: -15...15))
        XCTAssertEqual(parsed.imageTransforms[1] as? Shear, try Shear(x: -5...10, y: -3...3))
        XCTAssertEqual((parsed.imageTransforms[2] as? RandomAffine)?.translate.y, 0.2)
        XCTAssertEqual(parsed.spec, "rotate(degrees=-15-15), shear(x=-5-10, y=-3-3), "
                       + "affine(degrees=0-0, translate=0.1x0.2, scale=1-1, shear=0-0, shear-y=0-0), normalize")
        XCTAssertNil(Pipeline(imageTransforms: [try PCALighting(eigenvalues: [1], eigenvectors: [[1, 0, 0]])], toSample: try ToSample()).spec)
    }

    func testSpecErrorsNameTheBadToken() throws {
        func message(_ spec: String) -> String {
            do { _ = try Pipeline(spec: spec, mean: mean, std: std); return "" } catch { return "\(error)" }
        }
        let unknown = message("resize(256), flipz")
        XCTAssert(unknown.contains("'flipz'") && unknown.contains("random-resized-crop") && unknown.contains("color-jitter"), unknown)
        XCTAssert(message("resize(256, lanczos)").contains("interpolation"))
        XCTAssert(message("random-resized-crop(224, scale=1-0.08)").contains("scale=1-0.08"))
        XCTAssert(message("random-resized-crop(224, zoom=2)").contains("'zoom=2'"))
        XCTAssert(message("hflip(0.5, 0.2)").contains("'0.2'"))
        XCTAssert(message("hflip(p=x)").contains("p=x"))
        XCTAssert(message("center-crop").contains("size"))
        XCTAssert(message("resize(256").contains("unclosed"))
        XCTAssert(message("resize(256),,hflip").contains("empty step"))
        XCTAssert(message("random-erasing, normalize").contains("after 'normalize'"))
        XCTAssert(message("normalize, hflip").contains("before 'normalize'"))
        XCTAssert(message("hflip(p=2)").contains("'p=2': hflip's p must be between 0.0 and 1.0"))
        XCTAssertFalse(message("").isEmpty)
        XCTAssert(Pipeline.specHelp.contains("random-erasing(p=0.5"))
        for name in Pipeline.specNames { XCTAssert(Pipeline.specHelp.contains("  \(name)"), name) }
    }
}
