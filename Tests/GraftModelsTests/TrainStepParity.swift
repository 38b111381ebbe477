import Foundation
import GraftCore
import GraftNN
import GraftTestSupport
import XCTest

/// One training step of a model against torchvision's (`torch_reference.py --train-step`):
/// train-mode forward (batch statistics), cross-entropy on labels 0..N−1, backward and one SGD
/// step with lr 0.01 and momentum 0.9.
enum TrainStepParity {
    /// Loads `reference`'s weights into `model`, takes the step and checks the loss, every
    /// tensor after the step and the step's change within 1e-4 relative. Prints the worst.
    ///
    /// A tensor whose gradient is zero in exact arithmetic (a bias whose every path meets a 1×1
    /// convolution and a train-mode BatchNorm, which subtracts the shift again: the projection
    /// BatchNorm of an EfficientNet block) changes only by float rounding noise, on both
    /// sides, so a relative comparison means nothing there: where torchvision's change stays
    /// below 1e-6 of the largest change in the model, ours must stay below it too.
    static func check(_ model: Module, _ reference: TorchReference, _ name: String,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let trained = try XCTUnwrap(reference.trained, file: file, line: line)
        try model.loadStateDict(reference.stateDict, strict: true)
        model.train()
        let optimizer = try SGD(parameters: model.parameters(), lr: 0.01, momentum: 0.9)
        let batch = reference.input.shape[0]
        let loss = try crossEntropy(model(reference.input), labels: Tensor(labels: Array(0..<batch)))
        optimizer.zeroGrad()
        try loss.backward()
        try optimizer.step()

        let torchLoss = try XCTUnwrap(reference.loss, file: file, line: line)
        XCTAssertEqual(loss.item, torchLoss, accuracy: 1e-4 * abs(torchLoss), "\(name): loss", file: file, line: line)
        let before = Dictionary(reference.stateDict, uniquingKeysWith: { a, _ in a })
        let noise = 1e-6 * trained.compactMap { key, theirs -> Float? in
            guard theirs.dtype == .float32, let start = before[key] else { return nil }
            return zip(theirs.toArray(), start.toArray()).map { abs($0 - $1) }.max()
        }.max()!
        var vanishing: [String] = []
        var worstValue = (key: "", difference: Float(0)), worstChange = (key: "", difference: Float(0))
        XCTAssertEqual(model.stateDict().map(\.0), trained.map(\.0), file: file, line: line)
        for ((key, ours), (_, theirs)) in zip(model.stateDict(), trained) {
            if key.hasSuffix("num_batches_tracked") {
                XCTAssertEqual(ours.int64Values, [1], key, file: file, line: line)
                continue
            }
            let (a, b) = (ours.toArray(), theirs.toArray())
            let start = try XCTUnwrap(before[key], file: file, line: line).toArray()
            if zip(b, start).allSatisfy({ abs($0 - $1) <= noise }) {
                let ourLargest = zip(a, start).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(ourLargest, noise, "\(name): \(key) has a vanishing gradient in torchvision, not here",
                                         file: file, line: line)
                vanishing.append(key)
                continue
            }
            let value = maxRelativeDifference(a, b)
            XCTAssertLessThanOrEqual(value, 1e-4, "\(name): \(key) after the step", file: file, line: line)
            if value > worstValue.difference { worstValue = (key, value) }
            // The change itself, small beside the values, so that the gradients (and the
            // running statistics' update) must agree, not only the weights. Both sides are
            // rounded to float32 values, which may differ by one unit in the last place.
            let (ourChange, theirChange) = (zip(a, start).map { $0 - $1 }, zip(b, start).map { $0 - $1 })
            let largestChange = theirChange.map(abs).max() ?? 0
            let rounding = Float.ulpOfOne * (b.map(abs).max() ?? 0)
            let changeError = zip(ourChange, theirChange).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(changeError, 1e-4 * largestChange + rounding, "\(name): \(key): the step's change",
                                     file: file, line: line)
            let relative = changeError / max(largestChange, .leastNormalMagnitude)
            if relative > worstChange.difference { worstChange = (key, relative) }
        }
        print("\(name) SGD step: loss \(loss.item) vs \(torchLoss); worst value \(worstValue); worst change \(worstChange); \(vanishing.count) tensors changed by rounding noise only (below \(noise))")
    }
}
