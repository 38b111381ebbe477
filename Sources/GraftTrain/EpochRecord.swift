/// The figures of one finished training epoch, as the JSON-lines log, the resume state and the
/// HTML report keep them. Validation figures are nil when the run has no validation set.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainTop1: Double
    public var valLoss: Double?
    public var valTop1: Double?
    public var valTop5: Double?
    /// The first parameter group's learning rate at the start of the epoch.
    public var learningRate: Float
    public var seconds: Double
    public var imagesPerSecond: Double
    /// Share of the epoch the training loop spent waiting for the loader (nil on cached features).
    public var dataWait: Double?

    public init(epoch: Int, trainLoss: Double, trainTop1: Double, valLoss: Double? = nil, valTop1: Double? = nil,
                valTop5: Double? = nil, learningRate: Float, seconds: Double, imagesPerSecond: Double, dataWait: Double? = nil) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.trainTop1 = trainTop1; self.valLoss = valLoss
        self.valTop1 = valTop1; self.valTop5 = valTop5; self.learningRate = learningRate
        self.seconds = seconds; self.imagesPerSecond = imagesPerSecond; self.dataWait = dataWait
    }
}
