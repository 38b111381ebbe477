import Foundation
import GraftCore
import GraftData
import GraftModels
import GraftNN
import GraftTestSupport
@testable import GraftTrain
import XCTest

final class TestTimeAugmentationTests: XCTestCase {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/photos/\(name)").path
    }

    /// torchvision's `Compose([Resize(shorter, interpolation), TenCrop(crop)])` on a PIL image
    /// of `image`'s pixels, run by Debian's python3 at test time.
    static func torchvisionTenCrop(_ image: Image, shorter: Int, crop: Int, interpolation: Interpolation) throws -> [Image] {
        let script = """
        import sys, numpy as np
        from PIL import Image
        import torchvision.transforms as T
        w, h, c, shorter, crop = map(int, sys.argv[1:6])
        a = np.frombuffer(sys.stdin.buffer.read(), np.uint8).reshape(h, w, c)
        img = Image.fromarray(a[:, :, 0] if c == 1 else a)
        resize = T.Resize(shorter, interpolation=T.InterpolationMode(sys.argv[6]))
        for view in T.Compose([resize, T.TenCrop(crop)])(img):
            sys.stdout.buffer.write(np.asarray(view, dtype=np.uint8).tobytes())
        """
        let out = try runPython(["-c", script, "\(image.width)", "\(image.height)", "\(image.channels)", "\(shorter)", "\(crop)",
                                 interpolation.rawValue], input: Data(image.pixels))
        let size = crop * crop * image.channels
        XCTAssertEqual(out.count, 10 * size)
        return try (0..<10).map { i in
            try Image(width: crop, height: crop, channels: image.channels, pixels: [UInt8](out[(i * size)..<((i + 1) * size)]))
        }
    }

    func testTenCropIsTorchvisionsTenCrop() throws {
        // Odd margins exercise the centre crop's rounding; a grey conversion the channel handling.
        let cases: [(String, Preprocessing)] = [
            ("chelsea.jpg", Preprocessing(channels: 3, inputSize: 60, resizeShorter: 75, mean: [0.5], std: [0.25])),
            ("rocket.jpg", .imageNet()),
            ("coffee.jpg", Preprocessing(channels: 1, inputSize: 41, resizeShorter: 48, mean: [0.5], std: [0.25])),
            ("chelsea.jpg", .imageNet(resize: 75, crop: 60, interpolation: .bicubic)),
            ("coffee.jpg", Preprocessing(channels: 1, inputSize: 41, resizeShorter: 48, interpolation: .bicubic, mean: [0.5], std: [0.25])),
        ]
        for (file, p) in cases {
            let photo = try Image(contentsOf: Self.fixture(file))
            let views = try TTA.tenCrop.images(of: photo, preprocessing: p)
            let expected = try Self.torchvisionTenCrop(photo.converted(channels: p.channels), shorter: p.resizeShorter, crop: p.inputSize,
                                                       interpolation: p.interpolation)
            XCTAssertEqual(views.count, 10)
            for (i, (view, reference)) in zip(views, expected).enumerated() {
                XCTAssertTrue(view == reference, "\(file): crop \(i) differs from torchvision's")
            }
            // torchvision crops the mirrored image: its top-left crop mirrors the top-right one.
            XCTAssertTrue(views[5] == views[1].mirrored())
            XCTAssertTrue(views[6] == views[0].mirrored())
            // The single view is torchvision's centre crop, with the same interpolation.
            XCTAssertTrue(try TTA.none.images(of: photo, preprocessing: p) == [expected[4]], "\(file) \(p.interpolation)")
        }
    }

    func testOtherModes() throws {
        let photo = try Image(contentsOf: Self.fixture("chelsea.jpg"))
        let p = Preprocessing(channels: 3, inputSize: 56, resizeShorter: 64, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        let centre = try photo.resizeAndCenterCrop(shorterSide: 64, crop: 56)
        XCTAssertTrue(try TTA.none.images(of: photo, preprocessing: p) == [centre])
        XCTAssertTrue(try TTA.flip.images(of: photo, preprocessing: p) == [centre, centre.mirrored()])

        XCTAssertEqual(TTA.multiScaleSides(.imageNet()), [224, 256, 293])
        XCTAssertEqual(TTA.multiScaleSides(p), [56, 64, 73])
        XCTAssertEqual(TTA.multiScaleSides(Preprocessing(channels: 1, inputSize: 32, resizeShorter: 32, mean: [0], std: [1])), [32, 32, 37])
        let multi = try TTA.multiScale.images(of: photo, preprocessing: p)
        let expected = try [56, 64, 73].flatMap { side -> [Image] in
            let view = try photo.resizeAndCenterCrop(shorterSide: side, crop: 56)
            return [view, view.mirrored()]
        }
        XCTAssertTrue(multi == expected)

        for tta in TTA.allCases {
            let images = try tta.images(of: photo, preprocessing: p)
            XCTAssertEqual(images.count, tta.viewCount, tta.rawValue)
            let views = try tta.views(of: photo, preprocessing: p)
            XCTAssertEqual(views.shape, [tta.viewCount, 3, 56, 56], tta.rawValue)
            XCTAssertEqual(views.toArray(), try Image.toTensor(images, mean: p.mean, std: p.std).toArray(), tta.rawValue)
        }
        XCTAssertEqual(TTA(rawValue: "ten-crop"), .tenCrop)
        XCTAssertEqual(TTA(rawValue: "multi-scale"), .multiScale)
    }

    func testTenCropLargerThanTheImageThrows() throws {
        let photo = try Image(contentsOf: Self.fixture("chelsea.jpg"))
        let p = Preprocessing(channels: 3, inputSize: 80, resizeShorter: 64, mean: [0], std: [1])
        XCTAssertThrowsError(try TTA.tenCrop.images(of: photo, preprocessing: p)) { error in
            XCTAssertTrue("\(error)".contains("crop 80 is larger than the resized image 96×64"), "\(error)")
        }
    }

    /// A prediction's probabilities are the softmax of each view's logits, averaged over the views.
    func testProbabilitiesAreTheMeanOverViews() throws {
        let photo = try Image(contentsOf: Self.fixture("coffee.jpg"))
        let p = Preprocessing(channels: 1, inputSize: 32, resizeShorter: 40, mean: [0.5], std: [0.25])
        let model = try LeNet5(numClasses: 7)
        model.eval()
        for tta in TTA.allCases {
            let probabilities = try classProbabilities(model: model, image: photo, preprocessing: p, tta: tta)
            var mean = [Double](repeating: 0, count: 7)
            for view in try tta.images(of: photo, preprocessing: p) {
                let logits = try GradMode.withoutGradients { try model(view.toTensor(mean: p.mean, std: p.std)) }.toArray().map { Double($0) }
                let exps = logits.map { Foundation.exp($0 - logits.max()!) }
                for k in 0..<7 { mean[k] += exps[k] / exps.reduce(0, +) / Double(tta.viewCount) }
            }
            XCTAssertEqual(probabilities.count, 7)
            for k in 0..<7 { XCTAssertEqual(Double(probabilities[k]), mean[k], accuracy: 1e-5, "\(tta.rawValue) class \(k)") }
        }
    }
}
