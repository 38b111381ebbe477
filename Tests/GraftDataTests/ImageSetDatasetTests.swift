import XCTest
@testable import GraftData

final class ImageSetDatasetTests: XCTestCase {
    func testGreySamples() throws {
        let set = ImageSet(pixels: Array(0..<12), labels: [1, 0], channels: 1, height: 2, width: 3, classNames: ["a", "b"])
        let data = ImageSetDataset(set)
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data.classNames, ["a", "b"])
        XCTAssertEqual(data.label(at: 0), 1)
        XCTAssertEqual(try data.image(at: 1, minimumShorterSide: 1), try Image(width: 3, height: 2, channels: 1, pixels: Array(6..<12)))
    }

    func testPlanarChannelsBecomeInterleaved() throws {
        // One 1×2 RGB sample stored planar: R R, G G, B B.
        let set = ImageSet(pixels: [1, 2, 10, 20, 100, 200], labels: [0], channels: 3, height: 1, width: 2, classNames: ["x"])
        XCTAssertEqual(try ImageSetDataset(set).image(at: 0, minimumShorterSide: nil).pixels, [1, 10, 100, 2, 20, 200])
    }

    func testIDXSplitsAsDatasets() throws {
        let directory = "/usr/share/datasets/fashion-mnist"
        guard IDXDataset.isIDXDirectory(directory) else {
            return XCTFail("Fashion-MNIST is not at \(directory): `make test` installs dataset-fashion-mnist")
        }
        let idx = try IDXDataset(directory: directory)
        let test = idx.testDataset
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.classNames, IDXDataset.fashionMNISTClasses)
        let image = try test.image(at: 5, minimumShorterSide: nil)
        XCTAssertEqual([image.width, image.height, image.channels], [28, 28, 1])
        XCTAssertEqual(image.pixels, Array(idx.test.pixels[5 * 784..<6 * 784]))
        XCTAssertEqual(idx.trainDataset.count, 60_000)
    }
}
