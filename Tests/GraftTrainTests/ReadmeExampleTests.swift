import Graft
import XCTest

/// The library example of the README, kept compiling and working.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeLibraryExampleTrains() throws {
        GlobalRandom.seed(0)
        let images = Tensor(shape: [4, 1, 32, 32], data: (0..<4096).map { Float($0 % 97) / 97 })
        let labels = Tensor(labels: [0, 1, 2, 3])
        // --- README ---
        let model = try Sequential([
            Conv2d(inChannels: 1, outChannels: 6, kernelSize: 5), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(), Linear(inFeatures: 6 * 14 * 14, outFeatures: 10),
        ])
        let optimizer = try SGD(parameters: model.parameters(), lr: 0.01, momentum: 0.9, nesterov: true)
        let logits = try model(images)                       // images: Tensor [N, 1, 32, 32]
        let loss = try crossEntropy(logits, labels: labels, labelSmoothing: 0.1)
        optimizer.zeroGrad()
        try loss.backward()
        try optimizer.step()
        // --- end ---
        let after = try crossEntropy(model(images), labels: labels, labelSmoothing: 0.1)
        XCTAssertLessThan(after.item, loss.item)
        XCTAssertEqual(model.stateDict().map(\.0), ["0.weight", "0.bias", "4.weight", "4.bias"])
    }
}
