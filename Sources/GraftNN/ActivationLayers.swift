import GraftCore

/// `torch.nn.ReLU`.
public final class ReLU: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try relu(x) }
}

/// `torch.nn.ReLU6`: min(max(x, 0), 6).
public final class ReLU6: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try relu6(x) }
}

/// `torch.nn.LeakyReLU`.
public final class LeakyReLU: Module {
    public let negativeSlope: Float

    public init(negativeSlope: Float = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try leakyReLU(x, negativeSlope: negativeSlope) }
}

/// `torch.nn.Sigmoid`.
public final class Sigmoid: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try sigmoid(x) }
}

/// `torch.nn.Tanh`.
public final class Tanh: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try GraftCore.tanh(x) }
}

/// `torch.nn.Hardswish`: x · relu6(x + 3) / 6.
public final class Hardswish: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try hardswish(x) }
}

/// `torch.nn.SiLU`: x · sigmoid(x).
public final class SiLU: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try silu(x) }
}

/// `torch.nn.Hardsigmoid`: relu6(x + 3) / 6.
public final class Hardsigmoid: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try hardsigmoid(x) }
}

/// `torch.nn.GELU` (the exact, erf form).
public final class GELU: Module {
    public override func forward(_ x: Tensor) throws -> Tensor { try gelu(x) }
}

/// `torch.nn.Softmax` over `axis`.
public final class Softmax: Module {
    public let axis: Int

    public init(axis: Int = 1) {
        self.axis = axis
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try softmax(x, axis: axis) }
}

/// `torch.nn.LogSoftmax` over `axis`.
public final class LogSoftmax: Module {
    public let axis: Int

    public init(axis: Int = 1) {
        self.axis = axis
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try logSoftmax(x, axis: axis) }
}
