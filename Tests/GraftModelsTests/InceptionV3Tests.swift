import XCTest
import GraftCore
import GraftNN
@testable import GraftModels
import GraftTestSupport

final class InceptionV3Tests: XCTestCase {
    /// Keys, shapes, initialisation and eval-mode logits (batch 2 at 299) against torchvision's inception_v3.
    func testMatchesTorchvision() throws {
        try ZooParity.check("inception_v3", size: 299)
    }

    /// torchvision's per-module stddevs: 0.1 everywhere but AuxLogits.fc (0.001); AuxLogits.conv1
    /// gets 0.1 too, since torchvision tags its BasicConv2d wrapper rather than the conv.
    func testInitialisationStddevs() throws {
        let model = try InceptionV3(numClasses: 10)
        func std(_ name: String) throws -> Double { standardDeviation(try XCTUnwrap(model.parameter(named: name)).toArray()) }
        XCTAssertEqual(try std("AuxLogits.fc.weight"), 0.001, accuracy: 0.0001)
        XCTAssertEqual(try std("AuxLogits.conv1.conv.weight"), 0.1, accuracy: 0.005)
        XCTAssertEqual(try std("Mixed_7c.branch3x3dbl_2.conv.weight"), 0.1, accuracy: 0.005)
        XCTAssertEqual(try std("fc.weight"), 0.1, accuracy: 0.005)
        XCTAssertEqual(try XCTUnwrap(model.parameter(named: "Mixed_5b.branch_pool.bn.weight")).toArray(), [Float](repeating: 1, count: 32))
    }

    /// The auxiliary logits come only in training mode; `forward` gives the main logits in both
    /// modes. torchvision's published parameter count, 27,161,264, includes AuxLogits.
    func testAuxiliaryOutputAndParameterCount() throws {
        XCTAssertEqual(try InceptionV3().parameterCount, 27_161_264)
        let model = try InceptionV3(numClasses: 3, dropout: 0)
        let x = Tensor(shape: [2, 3, 299, 299], data: (0..<(2 * 3 * 299 * 299)).map { Float(($0 * 7919) % 103) / 51 - 1 })
        model.train()
        let (main, aux) = try model.forwardWithAuxiliary(x)
        XCTAssertEqual(aux.map(\.shape), [[2, 3]])
        XCTAssertEqual(try model(x).toArray(), main.toArray())
        model.eval()
        let (evalMain, evalAux) = try model.forwardWithAuxiliary(x)
        XCTAssertTrue(evalAux.isEmpty)
        XCTAssertEqual(evalMain.shape, [2, 3])
        let plain = try InceptionV3(auxiliaryClassifier: false)
        XCTAssertFalse(plain.stateDict().contains { $0.0.hasPrefix("AuxLogits") })
    }
}
