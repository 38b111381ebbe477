import GraftCore

/// `torchvision.ops.StochasticDepth`: while training, zeroes each sample (`.row`) or the whole
/// batch (`.batch`) with probability `p` and scales what is kept by 1/(1−p); the identity in
/// eval mode. Draws come from the layer's own seeded generator.
public final class StochasticDepth: Module {
    public let p: Float
    public let mode: StochasticDepthMode
    public var generator: RandomGenerator

    public init(p: Float, mode: StochasticDepthMode = .row, generator: RandomGenerator? = nil) {
        self.p = p
        self.mode = mode
        self.generator = generator ?? RandomGenerator(seed: GlobalRandom.generator.next())
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try stochasticDepth(x, p: p, mode: mode, training: training, generator: &generator)
    }
}
