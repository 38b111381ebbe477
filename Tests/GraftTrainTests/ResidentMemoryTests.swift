import GraftCore
import GraftData
import GraftModels
import GraftNN
@testable import GraftTrain
import XCTest

final class ResidentMemoryTests: XCTestCase {
    /// Resident memory stays flat over 1,000 LeNet-5 training steps after warm-up.
    func testResidentMemoryStaysFlatOverAThousandSteps() throws {
        try requireFashionMNIST()
        let data = try IDXDataset(directory: fashionMNISTDirectory).train
        let model = try LeNet5()
        let optimizer = try Adam(parameters: model.parameters(), lr: 1e-3)
        let order = EpochOrder(count: data.count, batchSize: 64, shuffle: true, seed: 1, epoch: 0).batches
        var afterWarmUp = 0
        for step in 0..<1000 {
            let (x, y) = data.batch(order[step % order.count], padding: 2, normalization: .fashionMNIST)
            let loss = try crossEntropy(model(x), labels: y)
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            if step == 100 { afterWarmUp = residentBytes() }
        }
        let growth = residentBytes() - afterWarmUp
        XCTAssertLessThan(growth, 8 << 20, "resident memory grew by \(growth >> 10) KiB over 900 steps")
    }

    func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
        return Int(statm.split(separator: " ")[1])! * 4096
    }
}
