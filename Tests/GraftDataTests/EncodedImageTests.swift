import XCTest
import GraftCore
@testable import GraftData

/// Partial JPEG decoding (`EncodedImage`) against decoding the whole file and cropping.
final class EncodedImageTests: XCTestCase {
    let partialFiles = ["jpeg_rgb_420.jpg", "jpeg_rgb_422.jpg", "jpeg_rgb_444.jpg", "jpeg_progressive.jpg", "jpeg_grey.jpg",
                        "jpeg_large.jpg", "jpeg_orient_1.jpg"]

    func photoPath(_ name: String) -> String {
        URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().appendingPathComponent("photos/" + name).path
    }

    func testPartsHaveTheWholeDecodesPixels() throws {
        let paths = partialFiles.map { Fixtures.path($0) } + ["chelsea.jpg", "coffee.jpg", "rocket.jpg"].map(photoPath)
        var g = RandomGenerator(seed: 6)
        for path in paths {
            let encoded = EncodedImage(data: try readFile(path), source: path)
            let whole = try encoded.decode()
            let info = try XCTUnwrap(encoded.partialDecoding, path)
            XCTAssertTrue(info == (whole.width, whole.height, whole.channels), path)
            for _ in 0..<60 {
                let (w, h) = (Int.random(in: 1...whole.width, using: &g), Int.random(in: 1...whole.height, using: &g))
                let (left, top) = (Int.random(in: 0...(whole.width - w), using: &g), Int.random(in: 0...(whole.height - h), using: &g))
                let part = try encoded.decode(top: top, left: left, height: h, width: w)
                XCTAssertEqual(part.top, top)
                XCTAssert(part.left <= left && left + w <= part.left + part.image.width && part.image.height == h, path)
                XCTAssertEqual(part.image.window(top: 0, left: left - part.left, height: h, width: w),
                               whole.window(top: top, left: left, height: h, width: w), "\(path): \(w)×\(h) at \(left), \(top)")
            }
        }
    }

    func testOtherFilesDecodeWhole() throws {
        // CMYK, a rotated image, PNG, a truncated JPEG: whole, with decode()'s pixels or error.
        for name in ["jpeg_cmyk.jpg", "jpeg_orient_6.jpg", "png_rgb8.png"] {
            let encoded = EncodedImage(data: try readFile(Fixtures.path(name)), source: name)
            XCTAssertNil(encoded.partialDecoding, name)
            let part = try encoded.decode(top: 1, left: 1, height: 2, width: 2)
            XCTAssertEqual(part.image, try encoded.decode(), name)
            XCTAssertTrue(part.top == 0 && part.left == 0, name)
        }
        let data = try readFile(Fixtures.path("jpeg_large.jpg"))
        let cut = EncodedImage(data: Array(data.prefix(data.count * 2 / 3)), source: "cut.jpg")
        XCTAssertNil(cut.partialDecoding)
        assertDataError(naming: "cut.jpg", "truncated JPEG") { try cut.decode(top: 0, left: 0, height: 4, width: 4).image }
    }

    func testPipelineSamplesOfEncodedImagesEqualThoseOfDecodedOnes() throws {
        let pipeline = try Pipeline(spec: "random-resized-crop(24), hflip, color-jitter(0.4, 0.4, 0.4), normalize",
                                    mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        let grey = try Pipeline(spec: "random-resized-crop(16), hflip, color-jitter(0.4, 0.4, 0.4), normalize", mean: [0.5], std: [0.2])
        for (path, pipeline) in [(photoPath("coffee.jpg"), pipeline), (Fixtures.path("jpeg_rgb_422.jpg"), pipeline),
                                 (Fixtures.path("jpeg_grey.jpg"), grey), (Fixtures.path("jpeg_cmyk.jpg"), pipeline)] {
            let encoded = EncodedImage(data: try readFile(path), source: path)
            let image = try encoded.decode()
            for index in 0..<25 {
                var a = sampleGenerator(seed: 2, epoch: 0, index: index), b = a
                XCTAssertEqual(try pipeline(encoded, using: &a), try pipeline(image, using: &b), "\(path), sample \(index)")
                XCTAssertEqual(a, b, "the same draws")
            }
        }
    }

    func testFileDatasetsOfferTheirFilesUndecoded() throws {
        let root = try DatasetTrees.make(["a/one.jpg", "b/two.png"])
        let folder = try ImageFolder(root: root)
        let subset = try SubsetDataset(base: folder, indices: [1, 0])
        for dataset in [folder, subset] as [any Dataset] {
            for index in 0..<2 {
                XCTAssertEqual(try XCTUnwrap(try dataset.encodedImage(at: index)).decode(),
                               try dataset.image(at: index, minimumShorterSide: nil))
            }
        }
    }

    func testLoaderWithEncodedSamplesGivesTheSameBatches() throws {
        let pipeline = try Pipeline(spec: "random-resized-crop(20), hflip, color-jitter(0.4, 0.4, 0.4), normalize",
                                    mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        let files = EncodedFiles(paths: ["chelsea.jpg", "coffee.jpg", "rocket.jpg"].map(photoPath) + [Fixtures.path("jpeg_rgb_420.jpg")])
        func batches(encoded: Bool) throws -> [[Float]] {
            var makeEncoded: EncodedSampleMaker?
            if encoded { makeEncoded = { e, g in try pipeline(e, using: &g) } }
            let loader = try DataLoader(dataset: files, batchSize: 3, workers: 2, seed: 4, makeEncodedSample: makeEncoded,
                                        makeSample: { i, g in try pipeline(i, using: &g) })
            var out: [[Float]] = []
            for epoch in 0..<3 {
                let e = loader.epoch(epoch)
                while let batch = try e.next() { out.append(batch.images.toArray()) }
            }
            return out
        }
        XCTAssertEqual(try batches(encoded: true), try batches(encoded: false))
    }
}

/// JPEG files read whole, offering their encoded form.
private struct EncodedFiles: Dataset {
    let paths: [String]
    var count: Int { paths.count }
    var classNames: [String] { ["photo"] }
    func label(at index: Int) -> Int { 0 }
    func image(at index: Int, minimumShorterSide: Int?) throws -> Image { try Image(contentsOf: paths[index]) }
    func encodedImage(at index: Int) throws -> EncodedImage? { EncodedImage(data: try readFile(paths[index]), source: paths[index]) }
}
