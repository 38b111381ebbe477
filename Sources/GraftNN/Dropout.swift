import GraftCore

/// `torch.nn.Dropout`: zeroes each element with probability `p` while training and scales the
/// rest by 1/(1−p); the identity in eval mode. Masks come from the layer's own seeded generator.
public final class Dropout: Module {
    public let p: Float
    public var generator: RandomGenerator

    public init(p: Float = 0.5, generator: RandomGenerator? = nil) {
        self.p = p
        self.generator = generator ?? RandomGenerator(seed: GlobalRandom.generator.next())
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try dropout(x, p: p, training: training, generator: &generator)
    }
}
