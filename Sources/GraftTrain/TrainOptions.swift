import Foundation
import GraftData
import GraftModels

/// A flag given to `graft train` that cannot be used; the message names the flag.
public struct TrainOptionsError: Error, CustomStringConvertible {
    public let description: String
}

/// Everything `graft train` needs to know.
public struct TrainOptions: Sendable {
    public var model: String
    public var data: String
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: String
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var schedule: String
    public var labelSmoothing: Float
    public var seed: UInt64
    public var trainLimit: Int?

    public static let knownModels = ModelZoo.names
    public static let optimizers = ["sgd", "adam", "adamw"]
    public static let schedules = ["none", "step", "cosine", "onecycle"]

    public init(model: String, data: String, epochs: Int = 10, batchSize: Int = 64, optimizer: String = "adam",
                learningRate: Float = 2e-3, momentum: Float = 0.9, weightDecay: Float = 0, schedule: String = "onecycle",
                labelSmoothing: Float = 0, seed: UInt64 = 0, trainLimit: Int? = nil) {
        self.model = model; self.data = data; self.epochs = epochs; self.batchSize = batchSize
        self.optimizer = optimizer; self.learningRate = learningRate; self.momentum = momentum
        self.weightDecay = weightDecay; self.schedule = schedule; self.labelSmoothing = labelSmoothing
        self.seed = seed; self.trainLimit = trainLimit
    }

    /// Checks every flag; the error names the flag at fault and what it accepts.
    public func validate() throws {
        func fail(_ message: String) -> TrainOptionsError { TrainOptionsError(description: message) }
        guard ModelZoo.names.contains(model) else {
            throw fail("unknown --model '\(model)'; known models: \(ModelZoo.names.joined(separator: ", "))")
        }
        guard epochs > 0 else { throw fail("--epochs must be at least 1, not \(epochs)") }
        guard batchSize > 0 else { throw fail("--batch-size must be at least 1, not \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw fail("--lr must be a positive number, not \(learningRate)") }
        guard weightDecay >= 0 else { throw fail("--weight-decay must not be negative") }
        guard (0..<1).contains(labelSmoothing) else { throw fail("--label-smoothing must be in [0, 1), not \(labelSmoothing)") }
        guard TrainOptions.optimizers.contains(optimizer) else {
            throw fail("unknown --optimizer '\(optimizer)'; choose one of \(TrainOptions.optimizers.joined(separator: ", "))")
        }
        guard TrainOptions.schedules.contains(schedule) else {
            throw fail("unknown --schedule '\(schedule)'; choose one of \(TrainOptions.schedules.joined(separator: ", "))")
        }
        if let n = trainLimit, n <= 0 { throw fail("--train-limit must be at least 1") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("--data '\(data)' is not a directory")
        }
    }
}
