import Foundation
import XCTest

/// Where `make test` installs Debian's `dataset-fashion-mnist`.
let fashionMNISTDirectory = ProcessInfo.processInfo.environment["GRAFT_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist"

/// Fails (does not skip) when the data set is missing: `make test` installs it.
func requireFashionMNIST(file: StaticString = #filePath, line: UInt = #line) throws {
    guard FileManager.default.fileExists(atPath: fashionMNISTDirectory + "/train-images-idx3-ubyte.gz") else {
        XCTFail("Fashion-MNIST is not at \(fashionMNISTDirectory): run `make test`, which installs dataset-fashion-mnist",
                file: file, line: line)
        throw XCTSkip("no data")
    }
}
