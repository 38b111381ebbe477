import GraftCore

/// `torch.nn.MaxPool2d`.
public final class MaxPool2d: Module {
    public let config: Pool2dConfig

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        config = Pool2dConfig(kernel: (kernelSize, kernelSize), stride: stride.map { ($0, $0) },
                              padding: (padding, padding), ceilMode: ceilMode)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try maxPool2d(x, config) }
}

/// `torch.nn.AvgPool2d`.
public final class AvgPool2d: Module {
    public let config: Pool2dConfig

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        config = Pool2dConfig(kernel: (kernelSize, kernelSize), stride: stride.map { ($0, $0) },
                              padding: (padding, padding), ceilMode: ceilMode, countIncludePad: countIncludePad)
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try avgPool2d(x, config) }
}

/// `torch.nn.AdaptiveAvgPool2d`: `(1, 1)` is global average pooling.
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: (Int, Int)

    public init(_ outputSize: (Int, Int)) {
        self.outputSize = outputSize
        super.init()
    }

    public convenience init(_ size: Int) { self.init((size, size)) }

    public override func forward(_ x: Tensor) throws -> Tensor { try adaptiveAvgPool2d(x, outputSize: outputSize) }
}

/// `torch.nn.LocalResponseNorm` (AlexNet's normalisation across channels).
public final class LocalResponseNorm: Module {
    public let size: Int, alpha: Float, beta: Float, k: Float

    public init(size: Int, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 1) {
        self.size = size; self.alpha = alpha; self.beta = beta; self.k = k
        super.init()
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try localResponseNorm(x, size: size, alpha: alpha, beta: beta, k: k)
    }
}
